"""pix2pix-style input scaling as a Keras layer (RGB 0..255 in, BGR in [-1, 1] out)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class SignedBGRPreprocessing(keras.layers.Layer):
    """Converts RGB images in [0, 255] to BGR scaled to [-1, 1] (x / 255 * 2 - 1).

    OriCNN `input_data_rgb_ori_m1_1_augument.py` reads images with cv2 (BGR) and scales them so;
    there is no mean subtraction. Channels after the first three (orientation channels supplied with
    the image) pass unchanged.
    """

    def call(self, images):
        images = tf.cast(images, tf.float32)
        bgr = tf.reverse(images[..., :3], axis=[-1])
        return tf.concat([bgr / 255.0 * 2.0 - 1.0, images[..., 3:]], axis=-1)
