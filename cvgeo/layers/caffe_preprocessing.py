"""Caffe-style VGG input preprocessing as a Keras layer (RGB 0..255 in, BGR minus means out)."""

import keras
import tensorflow as tf

# CVM-Net `input_data.py`: cv2.imread gives BGR; the means are B 103.939, G 116.779, R 123.6.
# The R mean really is 123.6 in the original (not the usual 123.68), and descriptors depend on it.
CAFFE_BGR_MEANS = (103.939, 116.779, 123.6)


@keras.saving.register_keras_serializable(package="cvgeo")
class CaffePreprocessing(keras.layers.Layer):
    """Converts RGB images in [0, 255] to mean-subtracted BGR, as the original TF1 networks expect.

    Input: [B, H, W, 3] RGB, any real or integer dtype, values 0..255.
    Output: float32 [B, H, W, 3] BGR with the per-channel means subtracted (no scaling).
    """

    def __init__(self, bgr_means: tuple[float, float, float] = CAFFE_BGR_MEANS, **kwargs):
        super().__init__(**kwargs)
        self.bgr_means = tuple(float(m) for m in bgr_means)

    def call(self, images):
        bgr = tf.reverse(tf.cast(images, tf.float32), axis=[-1])
        return bgr - tf.constant(self.bgr_means, tf.float32)

    def get_config(self):
        return {**super().get_config(), "bgr_means": self.bgr_means}
