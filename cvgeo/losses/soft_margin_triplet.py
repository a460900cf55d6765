"""Weighted soft-margin triplet loss, exhaustive over the batch in both directions.

From CVM-Net's `cvm_net.py` (`compute_loss`), reused by OriCNN and SAFA (spec A.9, B.6, 2.4).
"""

import keras
import tensorflow as tf

# OriCNN's CVACT readers (`input_data_ACT.py`): pairs closer than 25 m are not negatives.
CVACT_POSITIVE_RADIUS_M = 25.0


def soft_margin_triplet_loss(
    query: tf.Tensor,
    reference: tf.Tensor,
    *,
    alpha: float = 10.0,
    include_diagonal: bool = True,
    query_xy: tf.Tensor | None = None,
    reference_xy: tf.Tensor | None = None,
    positive_radius: float = CVACT_POSITIVE_RADIUS_M,
) -> tf.Tensor:
    """Mean of softplus(alpha * (d_pos - d_neg)) over all in-batch negatives, both directions.

    Row i of `query` [B, D] and `reference` [B, D] is a matching pair; every other row of the other
    side is a negative. Distance is 2 - 2 * q . r (squared L2 for unit vectors), D[i, j] the distance
    between reference i and query j.

    Args:
      alpha: the weight inside the softplus (10 in CVM-Net, OriCNN and SAFA).
      include_diagonal: the original sums over i == j too (each a constant log 2 with no gradient) and
        divides by B(B-1); False sums the B(B-1) real negatives only.
      query_xy, reference_xy: optional [B, 2] planar positions in metres. When given, the loss is
        OriCNN's CVACT variant: pairs closer than `positive_radius` have their difference multiplied
        by zero (still contributing softplus(0) = log 2) and the sum is divided by the number of
        pairs at least `positive_radius` apart; `include_diagonal` is then irrelevant.

    Returns:
      Scalar loss, (L_ground->aerial + L_aerial->ground) / 2.
    """
    query = tf.convert_to_tensor(query, tf.float32)
    reference = tf.convert_to_tensor(reference, tf.float32)
    distance = 2.0 - 2.0 * tf.matmul(reference, query, transpose_b=True)  # [reference i, query j]
    positive = tf.linalg.diag_part(distance)
    ground_to_aerial = positive[tf.newaxis, :] - distance  # query j against every reference i
    aerial_to_ground = positive[:, tf.newaxis] - distance  # reference i against every query j
    batch = tf.cast(tf.shape(distance)[0], tf.float32)

    if query_xy is not None and reference_xy is not None:
        offset = tf.cast(reference_xy, tf.float32)[:, tf.newaxis, :] - tf.cast(query_xy, tf.float32)[tf.newaxis]
        squared = tf.reduce_sum(tf.square(offset), axis=-1)
        # `greater_equal(dist^2, 25^2)` in the original: the mask scales the difference, not the term.
        useful = tf.cast(squared >= positive_radius**2, tf.float32)
        normaliser = tf.maximum(tf.reduce_sum(useful), 1.0)
        ground_to_aerial *= useful
        aerial_to_ground *= useful
        off_diagonal = tf.ones_like(distance)
    elif include_diagonal:
        normaliser = batch * (batch - 1.0)
        off_diagonal = tf.ones_like(distance)
    else:
        normaliser = batch * (batch - 1.0)
        off_diagonal = 1.0 - tf.eye(tf.shape(distance)[0])

    # The original writes log(1 + exp(x)); softplus is the same value without overflow.
    def direction(difference: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(tf.nn.softplus(alpha * difference) * off_diagonal) / normaliser

    return (direction(ground_to_aerial) + direction(aerial_to_ground)) / 2.0


class SoftMarginTripletLoss(keras.losses.Loss):
    """Keras shell around `soft_margin_triplet_loss` for (query, reference) descriptor pairs."""

    def __init__(self, alpha: float = 10.0, include_diagonal: bool = True, name: str = "soft_margin_triplet"):
        super().__init__(name=name)
        self.alpha = alpha
        self.include_diagonal = include_diagonal

    def call(self, query, reference):
        return soft_margin_triplet_loss(
            query, reference, alpha=self.alpha, include_diagonal=self.include_diagonal
        )
