"""CrossLocate's triplet margin loss: a sum of hinges over each query's mined negatives.

CrossLocate `core/NetworkBuilder` (scope `triplet_loss`, spec 6.8): with squared Euclidean distances
dp = |q - p|^2 and dn_i = |q - n_i|^2 (or 1 - cosine), L = sum_b sum_i max(dp_b + margin - dn_bi, 0),
a sum, not a mean, over B x N terms; margin 0.1.
"""

import tensorflow as tf

DISTANCES = ("euclidean", "cosine")


def triplet_margin_loss(
    query: tf.Tensor, positive: tf.Tensor, negatives: tf.Tensor, *, margin: float = 0.1, distance: str = "euclidean"
) -> tf.Tensor:
    """query [B, D], positive [B, D], negatives [B, N, D] -> scalar sum of the B x N hinges."""
    if distance not in DISTANCES:
        raise ValueError(f"distance must be one of {DISTANCES}, got {distance!r}")
    query = tf.convert_to_tensor(query, tf.float32)
    positive = tf.convert_to_tensor(positive, tf.float32)
    negatives = tf.convert_to_tensor(negatives, tf.float32)
    if distance == "euclidean":
        to_positive = tf.reduce_sum(tf.square(query - positive), axis=-1)
        to_negatives = tf.reduce_sum(tf.square(query[:, None, :] - negatives), axis=-1)
    else:
        to_positive = 1.0 - tf.reduce_sum(query * positive, axis=-1)
        to_negatives = 1.0 - tf.reduce_sum(query[:, None, :] * negatives, axis=-1)
    return tf.reduce_sum(tf.nn.relu(to_positive[:, None] + margin - to_negatives))
