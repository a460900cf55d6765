"""Batch normalisation that always normalises with the current batch's statistics (OriCNN)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class BatchStatisticsNormalization(keras.layers.Layer):
    """gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta over all axes but the last.

    OriCNN's `encoder_net.py` calls `tf.layers.batch_normalization(..., training=True)` also at test
    time, and never runs the moving-average updates, so the original network normalises every batch
    with its own mean and biased variance over (batch, height, width), whatever the phase. This
    layer does exactly that. `moving_mean` / `moving_variance` exist only so that the original
    checkpoints (which store them) round-trip; they are never read or updated.

    Descriptors therefore depend on which images share a call: embed in the original batches (12).
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = (int(input_shape[-1]),)
        # encoder_net.py: gamma ~ N(1, 0.02), beta = 0.
        self.gamma = self.add_weight(
            name="gamma", shape=channels, initializer=keras.initializers.RandomNormal(1.0, 0.02)
        )
        self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
        self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros", trainable=False)
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=channels, initializer="ones", trainable=False
        )

    def call(self, x):
        axes = list(range(len(x.shape) - 1))
        mean, variance = tf.nn.moments(x, axes=axes)
        return tf.nn.batch_normalization(x, mean, variance, self.beta, self.gamma, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
