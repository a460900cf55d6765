"""Generalised-mean (GeM) global pooling with a fixed exponent, as a Keras layer."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class GeneralizedMeanPooling(keras.layers.Layer):
    """(mean over H, W of max(x, eps)^p)^(1/p): [B, H, W, C] -> [B, C].

    OriCNN `encoder_net.py` clamps at 1e-6 (which acts as a ReLU) and uses a fixed p = 3.
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.p = p
        self.eps = eps

    def call(self, x):
        clamped = tf.maximum(x, self.eps)
        return tf.pow(tf.reduce_mean(tf.pow(clamped, self.p), axis=[1, 2]), 1.0 / self.p)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "p": self.p, "eps": self.eps}
