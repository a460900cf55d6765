"""An image feature that keeps the original file bytes and decodes them to the file's exact pixels.

Builders store each JPEG/PNG as its original bytes (no re-encoding, no growth of the prepared data).
TensorFlow's `decode_jpeg` defaults to libjpeg's fast integer DCT, whose pixels differ from the
accurate DCT used by OpenCV, PIL and the original repositories by up to ~5 grey levels; this feature
decodes JPEGs with `dct_method="INTEGER_ACCURATE"`, so `as_dataset` returns what `cv2.imread` returns.
"""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds


class ExactImage(tfds.features.Image):
    """`tfds.features.Image` (uint8) whose JPEG decoding equals OpenCV's and PIL's."""

    def __init__(self, *, shape=(None, None, 3), encoding_format: str | None = None, doc=None):
        super().__init__(shape=shape, dtype=np.uint8, encoding_format=encoding_format, doc=doc)

    def decode_example(self, example: tf.Tensor) -> tf.Tensor:
        channels = self.shape[-1]
        image = tf.cond(
            tf.io.is_jpeg(example),
            lambda: tf.io.decode_jpeg(example, channels=channels, dct_method="INTEGER_ACCURATE"),
            lambda: tf.io.decode_image(example, channels=channels, dtype=tf.uint8, expand_animations=False),
        )
        image.set_shape(self.shape)
        return image
