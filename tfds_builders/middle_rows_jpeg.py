"""An ExactImage that keeps only the middle half of a JPEG's rows, cut while decoding.

CVACT's loaders (OriCNN `input_data_ACT.py`, SAFA) use rows 208:624 of the 832-row panoramas; the
rest is sky and the car. The builder stores the original file (exact pixels, no growth) and
`tf.io.decode_and_crop_jpeg` decodes only the kept band, with the accurate DCT as ExactImage.
"""

import cv2
import numpy as np
import tensorflow as tf

from tfds_builders.exact_image import ExactImage


def middle_half_rows(height):
    """(first row, row count) of the middle half of `height` rows: (208, 416) for CVACT's 832.

    OriCNN keeps panoCropPixels = 832/2 rows starting at int((832 - 416) / 2).
    """
    rows = height // 2
    return (height - rows) // 2, rows


class MiddleRowsJpeg(ExactImage):
    """RGB uint8 rows [top, top + H/2) of a stored JPEG (see `middle_half_rows`)."""

    def __init__(self, *, shape=(None, None, 3), doc=None):
        super().__init__(shape=shape, encoding_format="jpeg", doc=doc)

    def decode_example(self, example: tf.Tensor) -> tf.Tensor:
        height, width = tf.unstack(tf.io.extract_jpeg_shape(example)[:2])
        top, rows = middle_half_rows(height)
        window = tf.stack([top, 0, rows, width])
        image = tf.io.decode_and_crop_jpeg(example, window, channels=3, dct_method="INTEGER_ACCURATE")
        image.set_shape(self.shape)
        return image

    def decode_example_np(self, example: bytes) -> np.ndarray:
        image = cv2.cvtColor(cv2.imdecode(np.frombuffer(example, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        top, rows = middle_half_rows(image.shape[0])
        return image[top : top + rows]

    def to_json_content(self) -> dict:
        return {"shape": list(self.shape)}

    @classmethod
    def from_json_content(cls, value: dict, doc=None) -> "MiddleRowsJpeg":
        return cls(shape=tuple(value["shape"]), doc=doc)
