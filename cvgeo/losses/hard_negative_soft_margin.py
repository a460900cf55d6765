"""Toker et al.'s weighted soft-margin triplet loss with top-k hard-negative mining, and its epoch schedule.

aysim/comingdowntoearth `utils/base_wrapper.py` (`soft_margin_triplet_loss`) and
`utils/rgan_wrapper.py` (`backward_R` / `backward_G`), spec 3.6.
"""

import tensorflow as tf

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
    reference = tf.convert_to_tensor(reference, tf.float32)
    query = tf.convert_to_tensor(query, tf.float32)
    distance = 2.0 - 2.0 * tf.matmul(reference, query, transpose_b=True)
    positive = tf.linalg.diag_part(distance)
    batch = tf.shape(distance)[0]
    count = hard_negative_count(batch, hard_ratio)
    off_diagonal = 1.0 - tf.eye(batch)

    def direction(difference: tf.Tensor) -> tf.Tensor:
        # The original writes log(1 + exp(x)); softplus is the same value without overflow.
        terms = tf.reshape(tf.nn.softplus(alpha * difference) * off_diagonal, [-1])
        return tf.reduce_sum(tf.math.top_k(terms, count, sorted=False).values) / tf.cast(count, tf.float32)

    aerial_to_street = positive[:, tf.newaxis] - distance
    street_to_aerial = positive[tf.newaxis, :] - distance
    return (direction(aerial_to_street) + direction(street_to_aerial)) / 2.0
