"""NetVLAD aggregation as in CVM-Net (LOUPE's `NetVLAD.forward`, as modified by the CVM-Net authors)."""

import math

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class NetVLAD(keras.layers.Layer):
    """Aggregates a [B, H, W, D] feature map into one [B, D·K] (or [B, output_dim]) descriptor.

    The computation follows CVM-Net's `loupe.py` exactly (spec A.3):
      1. L2-normalise every local descriptor over channels;
      2. soft-assign with softmax_K(f · cluster_weights + cluster_biases);
      3. residuals against the *separate* centres `cluster_weights2` (not tied to the assignment);
      4. intra-normalise over D for each cluster;
      5. flatten D-major (element (d, k) at index d·K + k): the FC / projection rows depend on it;
      6. global L2 normalisation;
      7. with `output_dim`: multiply by the bias-free `hidden1_weights` and stop (CVM-Net-II: no L2).

    Args:
      num_clusters: K (64 in CVM-Net).
      output_dim: if set, the size of the bias-free linear projection applied last.
      zero_centres: start `cluster_weights2` at zero instead of LOUPE's random normal. Not in the
        original: a from-scratch training aid. Random unit-norm centres outweigh the image-dependent
        part of every residual while the soft-assignment is still near uniform, so the first
        descriptors barely depend on the image; zero centres make the residuals the features.
    """

    def __init__(self, num_clusters: int = 64, output_dim: int | None = None, zero_centres: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.num_clusters = num_clusters
        self.output_dim = output_dim
        self.zero_centres = zero_centres

    def build(self, input_shape):
        dim = int(input_shape[-1])
        k = self.num_clusters
        # loupe.py: N(0, 1/sqrt(feature_size)) for the assignment, its bias and the centres.
        init = keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(dim))
        self.cluster_weights = self.add_weight(name="cluster_weights", shape=(dim, k), initializer=init)
        self.cluster_biases = self.add_weight(name="cluster_biases", shape=(k,), initializer=init)
        self.cluster_weights2 = self.add_weight(
            name="cluster_weights2", shape=(1, dim, k), initializer="zeros" if self.zero_centres else init
        )
        if self.output_dim is not None:
            self.hidden1_weights = self.add_weight(
                name="hidden1_weights",
                shape=(dim * k, self.output_dim),
                initializer=keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(k)),
            )

    def call(self, feature_map):
        dim = feature_map.shape[-1]
        batch = tf.shape(feature_map)[0]
        local = tf.reshape(feature_map, [batch, -1, dim])  # [B, N, D]
        local = tf.math.l2_normalize(local, axis=-1, epsilon=1e-12)
        assignment = tf.nn.softmax(tf.matmul(local, self.cluster_weights) + self.cluster_biases, axis=-1)
        weighted_sum = tf.matmul(local, assignment, transpose_a=True)  # [B, D, K]
        mass = tf.reduce_sum(assignment, axis=1, keepdims=True)  # [B, 1, K]
        vlad = weighted_sum - mass * self.cluster_weights2
        vlad = tf.math.l2_normalize(vlad, axis=1, epsilon=1e-12)
        vlad = tf.reshape(vlad, [batch, dim * self.num_clusters])  # [B, D, K] row-major: d·K + k
        vlad = tf.math.l2_normalize(vlad, axis=1, epsilon=1e-12)
        if self.output_dim is not None:
            vlad = tf.matmul(vlad, self.hidden1_weights)
        return vlad

    def compute_output_shape(self, input_shape):
        width = self.output_dim or int(input_shape[-1]) * self.num_clusters
        return (input_shape[0], width)

    def get_config(self):
        return {
            **super().get_config(),
            "num_clusters": self.num_clusters,
            "output_dim": self.output_dim,
            "zero_centres": self.zero_centres,
        }
