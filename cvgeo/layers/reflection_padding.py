"""Reflection padding, PyTorch's nn.ReflectionPad2d, as a Keras layer (Keras has none)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width of a [B, H, W, C] map by `padding` pixels, mirrored without repeating the edge.

    As nn.ReflectionPad2d(padding) (and tf.pad mode "REFLECT"): [a b c d] padded by 2 is
    [c b a b c d c b]. Toker et al.'s generator pads every spectral-normalised conv this way.
    """

    def __init__(self, padding: int, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
