"""The SAGAN / BigGAN non-local block Toker et al. put in their generator and discriminator."""

import keras
import tensorflow as tf

from cvgeo.layers.torch_initializers import torch_default_uniform


@keras.saving.register_keras_serializable(package="cvgeo")
class SelfAttention(keras.layers.Layer):
    """x + gamma * o(softmax(theta(x)^T phi(x)) g(x)) over the positions of a [B, H, W, C] map.

    As `Attention(ch)` in aysim/comingdowntoearth `networks/c_gan.py` (spec 3.3):
      * theta, phi: 1x1 convs C -> C/8; g: 1x1 C -> C/2; o: 1x1 C/2 -> C; all spectral-normalised
        and without bias (the spec lists "without bias" for theta and phi only; the original has
        bias=False on all four);
      * phi(x) and g(x) are max-pooled 2x2 (floor), so each query position attends over HW/4 keys;
      * beta = softmax over the keys of theta^T phi, values aggregated as g beta^T, then o;
      * gamma is a learnable scalar starting at 0, so the block starts as the identity.
    The convs keep PyTorch's default U(+-1/sqrt(fan_in)) initialisation: the original's
    `init_weights` writes N(0, 0.02) into spectral-normalised convs' derived `weight`, which the
    next forward pass overwrites from `weight_orig` (spec 3.3).

    Spectral normalisation is Keras' `SpectralNormalization` (one power iteration per training
    call, as PyTorch's default); the wrapped convs are the sub-layers `theta`, `phi`, `g`, `o`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.theta = self.phi = self.g = self.o = None

    def _conv(self, channels: int, fan_in: int, name: str) -> keras.layers.SpectralNormalization:
        conv = keras.layers.Conv2D(
            channels, 1, use_bias=False, kernel_initializer=torch_default_uniform(fan_in), name=f"{name}_conv"
        )
        return keras.layers.SpectralNormalization(conv, name=name)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        if channels % 8:
            raise ValueError(f"SelfAttention needs a multiple of 8 channels, got {channels}")
        self.theta = self._conv(channels // 8, channels, "theta")
        self.phi = self._conv(channels // 8, channels, "phi")
        self.g = self._conv(channels // 2, channels, "g")
        self.o = self._conv(channels, channels // 2, "o")
        spatial = (*input_shape[:-1],)
        self.theta.build((*spatial, channels))
        self.phi.build((*spatial, channels))
        self.g.build((*spatial, channels))
        self.o.build((*spatial, channels // 2))
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")

    def call(self, x, training=None):
        batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
        channels = x.shape[-1]
        pool = lambda t: tf.nn.max_pool2d(t, 2, 2, "VALID")  # noqa: E731  F.max_pool2d(·, [2, 2])
        theta = tf.reshape(self.theta(x, training=training), [batch, -1, channels // 8])  # [B, HW, C/8]
        phi = tf.reshape(pool(self.phi(x, training=training)), [batch, -1, channels // 8])  # [B, HW/4, C/8]
        g = tf.reshape(pool(self.g(x, training=training)), [batch, -1, channels // 2])  # [B, HW/4, C/2]
        beta = tf.nn.softmax(tf.matmul(theta, phi, transpose_b=True), axis=-1)  # [B, HW, HW/4]
        values = tf.reshape(tf.matmul(beta, g), [batch, height, width, channels // 2])
        return self.gamma * self.o(values, training=training) + x

    def compute_output_shape(self, input_shape):
        return input_shape
