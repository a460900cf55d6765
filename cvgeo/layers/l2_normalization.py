"""L2 normalisation with TF's epsilon convention, as a Keras layer."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class L2Normalization(keras.layers.Layer):
    """x / sqrt(max(sum(x^2), 1e-12)) along `axis`, exactly `tf.nn.l2_normalize` as the originals use.

    Computed in float32 unless a dtype is given, also under a mixed-precision policy: descriptors are
    float32 (a 16-bit sum of squares loses the small differences retrieval ranks by).
    """

    def __init__(self, axis: int = -1, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x):
        return tf.math.l2_normalize(x, axis=self.axis, epsilon=1e-12)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
