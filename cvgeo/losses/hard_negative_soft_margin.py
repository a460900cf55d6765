"""Toker et al.'s weighted soft-margin triplet loss with top-k hard-negative mining, its CVACT variant
with the 25 m mask, and its epoch schedule.

aysim/comingdowntoearth `utils/base_wrapper.py` (`soft_margin_triplet_loss`, `compute_cvact_loss`),
`utils/rgan_wrapper.py` and `utils/rgan_wrapper_cvact.py` (`backward_R` / `backward_G`), spec 3.6.
"""

import tensorflow as tf

from cvgeo.losses.soft_margin_triplet import CVACT_POSITIVE_RADIUS_M

# `helper/parser.py` defaults: hard_topk_ratio, hard_decay1/2/3_topk_ratio, and the epochs after
# which each decay starts (`rgan_wrapper.py`: epoch <= 20, <= 40, <= 60, > 60; epochs 0-based).
HARD_NEGATIVE_SCHEDULE = ((20, 1.0), (40, 0.1), (60, 0.05))
FINAL_HARD_NEGATIVE_RATIO = 0.01


def hard_negative_ratio(epoch: int) -> float:
    """Fraction of the B(B-1) triplets kept at 0-based `epoch`: 1.0 up to epoch 20, then 0.1, 0.05, 0.01."""
    for last_epoch, ratio in HARD_NEGATIVE_SCHEDULE:
        if epoch <= last_epoch:
            return ratio
    return FINAL_HARD_NEGATIVE_RATIO


def hard_negative_count(batch: int, ratio: float | tf.Tensor) -> tf.Tensor:
    """int(ratio * B(B-1)) hard triplets when ratio < 1, else all B(B-1) (at least 1), as an int32 tensor.

    Computed in float64 as Python computes `int(hard_topk_ratio * (N * (N - 1)))`. The original
    divides by 0 (NaN) where that rounds to 0; here at least one triplet is kept.
    """
    pairs = tf.cast(batch * (batch - 1), tf.float64)
    ratio = tf.cast(ratio, tf.float64)
    count = tf.where(ratio < 1.0, tf.floor(ratio * pairs), pairs)
    return tf.cast(tf.maximum(count, 1.0), tf.int32)


def hard_negative_soft_margin_loss(
    reference: tf.Tensor,
    query: tf.Tensor,
    *,
    alpha: float = 10.0,
    hard_ratio: float | tf.Tensor = 1.0,
) -> tf.Tensor:
    """Mean over both directions of the k largest softplus(alpha (d_pos - d_neg)) terms, summed and divided by k.

    Row i of `reference` [B, D] (the aerial, the original's `sate_vecs`) matches row i of `query`
    [B, D] (the street, `pano_vecs`). dist[i, j] = 2 - 2 reference_i . query_j.
      * aerial -> street: t[i, j] = dist[i, i] - dist[i, j];  street -> aerial: t[i, j] = dist[j, j] - dist[i, j];
      * the diagonal terms are set to 0 (not log 2 as in SAFA);
      * k = `hard_negative_count(B, hard_ratio)`; the k largest of the B x B terms (the zeroed
        diagonal included) are kept per direction, summed and divided by k. With ratio 1 this is
        every off-diagonal term over B(B-1).
    """
    aerial_to_street, street_to_aerial = _triplet_differences(reference, query)
    count = hard_negative_count(tf.shape(aerial_to_street)[0], hard_ratio)

    def direction(difference: tf.Tensor) -> tf.Tensor:
        return _sum_of_largest(_terms(alpha * difference), count) / tf.cast(count, tf.float32)

    return (direction(aerial_to_street) + direction(street_to_aerial)) / 2.0


def cvact_hard_negative_soft_margin_loss(
    reference: tf.Tensor,
    query: tf.Tensor,
    reference_xy: tf.Tensor,
    query_xy: tf.Tensor | None = None,
    *,
    alpha: float = 10.0,
    hard_ratio: float | tf.Tensor = 1.0,
    positive_radius: float = CVACT_POSITIVE_RADIUS_M,
) -> tf.Tensor:
    """Toker's CVACT loss (`compute_cvact_loss`): `hard_negative_soft_margin_loss` with pairs closer than
    `positive_radius` masked out.

    `reference_xy` / `query_xy` [B, 2] are planar positions in metres (UTM); `query_xy` defaults to
    `reference_xy` (a pair shares its position). As the original:
      * useful[i, j] = |reference_xy_i - query_xy_j|^2 >= positive_radius^2, in float32 (the original's
        UTM are float32, `data/cvact_utils.py`);
      * each triplet difference is multiplied by useful[i, j] before the softplus, so a near pair stays
        a constant softplus(0) = log 2 term; the diagonal terms are set to 0;
      * k = `hard_negative_count(B, hard_ratio)`; when k < n = sum(useful) the k largest terms (log 2
        constants and zeroed diagonal included) are summed and divided by k, otherwise every term
        is summed and divided by n.
    Where the original divides by zero this does not: k is at least 1 (as in
    `hard_negative_count`), and with no useful pair the divisor is 1 (the loss is then a constant
    (B^2 - B) log 2 with no gradient; the original gives inf or NaN).
    """
    aerial_to_street, street_to_aerial = _triplet_differences(reference, query)
    query_xy = reference_xy if query_xy is None else query_xy
    offset = tf.cast(reference_xy, tf.float32)[:, tf.newaxis, :] - tf.cast(query_xy, tf.float32)[tf.newaxis]
    # `torch.ge(utms_x, UTMthres)` with posDistSqThr = 25 * 25.
    useful = tf.cast(tf.reduce_sum(tf.square(offset), axis=-1) >= positive_radius**2, tf.float32)
    useful_count = tf.reduce_sum(useful)
    count = hard_negative_count(tf.shape(useful)[0], hard_ratio)
    mine = tf.cast(count, tf.float32) < useful_count

    def direction(difference: tf.Tensor) -> tf.Tensor:
        terms = _terms(alpha * difference * useful)
        hardest = _sum_of_largest(terms, count) / tf.cast(count, tf.float32)
        return tf.where(mine, hardest, tf.reduce_sum(terms) / tf.maximum(useful_count, 1.0))

    return (direction(aerial_to_street) + direction(street_to_aerial)) / 2.0


def _triplet_differences(reference: tf.Tensor, query: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(aerial -> street, street -> aerial) d_pos - d_neg, both [B, B] indexed [aerial i, street j]."""
    reference = tf.convert_to_tensor(reference, tf.float32)
    query = tf.convert_to_tensor(query, tf.float32)
    distance = 2.0 - 2.0 * tf.matmul(reference, query, transpose_b=True)
    positive = tf.linalg.diag_part(distance)
    return positive[:, tf.newaxis] - distance, positive[tf.newaxis, :] - distance


def _terms(scaled: tf.Tensor) -> tf.Tensor:
    """softplus of the scaled differences with the diagonal set to 0, flattened to [B * B]."""
    # The original writes log(1 + exp(x)); softplus is the same value without overflow.
    off_diagonal = 1.0 - tf.eye(tf.shape(scaled)[0])
    return tf.reshape(tf.nn.softplus(scaled) * off_diagonal, [-1])


def _sum_of_largest(terms: tf.Tensor, count: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.math.top_k(terms, count, sorted=False).values)
