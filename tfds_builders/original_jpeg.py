"""A TFDS image feature that keeps a dataset's original JPEG bytes and decodes them exactly.

Re-encoding would change pixels, and TF's default JPEG decoder (`dct_method=""`, the fast integer
IDCT) differs from OpenCV and PIL by up to ~13 grey levels on CVUSA-like images. This feature stores
the file untouched and decodes with the accurate integer IDCT (libjpeg's ISLOW, what OpenCV and PIL
use), so every example's pixels equal what `cv2.imread` reads from the original file. Optionally only
the middle half of the rows is kept (CVACT: rows 208:624 of 832), applied while decoding with
`tf.io.decode_and_crop_jpeg`, which decodes only what it keeps.
"""

import cv2
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds


def middle_half_rows(height):
    """(first row, row count) of the middle half of `height` rows: (208, 416) for CVACT's 832.

    OriCNN `input_data_ACT.py` keeps panoCropPixels = 832/2 rows from int((832 - 416) / 2).
    """
    rows = height // 2
    return (height - rows) // 2, rows


class OriginalJpeg(tfds.features.Image):
    """RGB uint8 image stored as the original JPEG file, optionally cut to its middle half of rows.

    Args:
      shape: decoded shape (height, width, 3) after the cut; None for sizes that may vary.
      middle_rows: keep only the middle half of the rows (see `middle_half_rows`).
      doc: feature documentation.
    """

    def __init__(self, *, shape=(None, None, 3), middle_rows: bool = False, doc=None):
        super().__init__(shape=shape, dtype=np.uint8, encoding_format="jpeg", doc=doc)
        self._middle_rows = bool(middle_rows)

    @property
    def middle_rows(self) -> bool:
        return self._middle_rows

    def decode_example(self, example):
        if self._middle_rows:
            height, width = tf.unstack(tf.io.extract_jpeg_shape(example)[:2])
            top, rows = middle_half_rows(height)
            image = tf.io.decode_and_crop_jpeg(example, tf.stack([top, 0, rows, width]), channels=3, dct_method="INTEGER_ACCURATE")
        else:
            image = tf.io.decode_jpeg(example, channels=3, dct_method="INTEGER_ACCURATE")
        image.set_shape(self.shape)
        return image

    def decode_example_np(self, example: bytes) -> np.ndarray:
        image = cv2.cvtColor(cv2.imdecode(np.frombuffer(example, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        if self._middle_rows:
            top, rows = middle_half_rows(image.shape[0])
            image = image[top : top + rows]
        return image

    def to_json_content(self) -> dict:
        return {"shape": list(self.shape), "middle_rows": self._middle_rows}

    @classmethod
    def from_json_content(cls, value: dict, doc=None) -> "OriginalJpeg":
        return cls(shape=tuple(value["shape"]), middle_rows=value.get("middle_rows", False), doc=doc)
