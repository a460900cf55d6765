"""SAFA's spatial-aware attention and feature aggregation (Shi et al., NeurIPS 2019)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class SpatialAwareAggregation(keras.layers.Layer):
    """Aggregates a [B, H, W, C] map into [B, heads * C] with per-head spatial attention.

    As SAFA's `spatial_net.py` (`spatial_aware` + `SAFA`):
      1. v = channel pool of the map, flattened to [B, HW] (mean in the official TF code; "max"
         in the VIGOR / Toker / Realistic ports);
      2. h = v . weights1 + biases1, a = h . weights2 + biases2, per head, with weights1 [HW, HW/2,
         heads] and weights2 [HW/2, HW, heads]; purely affine (no activation anywhere);
      3. g[b, d, c] = sum_i f[b, i, c] a[b, i, d], flattened d-major (index d * C + c) as the TF
         original, or c-major (index c * heads + d) as the PyTorch ports (Toker / Realistic
         `networks/safa.py` flatten their [B, C, heads] product); loaded weights downstream
         depend on the layout.
    The result is not normalised; SAFA L2-normalises it afterwards.

    Args:
      heads: number of attention maps D (8 for SAFA_8).
      pool: "mean" or "max" channel pooling for the attention input.
      layout: "d_major" (TF SAFA) or "c_major" (PyTorch ports) order of the output.
      weights_init: "truncated_normal" (TF SAFA) or "normal" (the PyTorch ports' nn.init.normal_),
        both with standard deviation 0.005; biases start at 0.1 either way.
    """

    def __init__(
        self,
        heads: int = 8,
        pool: str = "mean",
        layout: str = "d_major",
        weights_init: str = "truncated_normal",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if pool not in ("mean", "max"):
            raise ValueError(f"pool must be 'mean' or 'max', got {pool!r}")
        if layout not in ("d_major", "c_major"):
            raise ValueError(f"layout must be 'd_major' or 'c_major', got {layout!r}")
        if weights_init not in ("truncated_normal", "normal"):
            raise ValueError(f"weights_init must be 'truncated_normal' or 'normal', got {weights_init!r}")
        self.heads = heads
        self.pool = pool
        self.layout = layout
        self.weights_init = weights_init

    def build(self, input_shape):
        positions = int(input_shape[1]) * int(input_shape[2])
        hidden = positions // 2
        # spatial_net.py: weights ~ truncated N(0, 0.005), biases = 0.1 (its L1/L2 regularisers are
        # never added to the loss, so there are none here). Toker / Realistic `SA.init_weights_`:
        # plain N(0, 0.005), biases 0.1.
        if self.weights_init == "truncated_normal":
            weights_init = keras.initializers.TruncatedNormal(stddev=0.005)
        else:
            weights_init = keras.initializers.RandomNormal(stddev=0.005)
        bias_init = keras.initializers.Constant(0.1)
        self.weights1 = self.add_weight(name="weights1", shape=(positions, hidden, self.heads), initializer=weights_init)
        self.biases1 = self.add_weight(name="biases1", shape=(1, hidden, self.heads), initializer=bias_init)
        self.weights2 = self.add_weight(name="weights2", shape=(hidden, positions, self.heads), initializer=weights_init)
        self.biases2 = self.add_weight(name="biases2", shape=(1, positions, self.heads), initializer=bias_init)

    def call(self, feature_map):
        channels = feature_map.shape[-1]
        batch = tf.shape(feature_map)[0]
        local = tf.reshape(feature_map, [batch, -1, channels])  # [B, HW, C]
        pooled = tf.reduce_mean(local, axis=-1) if self.pool == "mean" else tf.reduce_max(local, axis=-1)
        hidden = tf.einsum("bi,ijd->bjd", pooled, self.weights1) + self.biases1
        attention = tf.einsum("bjd,jid->bid", hidden, self.weights2) + self.biases2  # [B, HW, D]
        order = "bdc" if self.layout == "d_major" else "bcd"
        aggregated = tf.einsum(f"bic,bid->{order}", local, attention)
        return tf.reshape(aggregated, [batch, self.heads * channels])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.heads * int(input_shape[-1]))

    def get_config(self):
        return {
            **super().get_config(),
            "heads": self.heads,
            "pool": self.pool,
            "layout": self.layout,
            "weights_init": self.weights_init,
        }
