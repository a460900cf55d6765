"""A TFDS image feature that keeps a dataset's original JPEG bytes and decodes them exactly.

Re-encoding would change pixels, and TF's default JPEG decoder (`dct_method=""`, the fast integer
IDCT) differs from OpenCV and PIL by up to ~13 grey levels on CVUSA-like images. This feature stores
the file untouched and decodes with the accurate integer IDCT (libjpeg's ISLOW, what OpenCV and PIL
use), so every example's pixels equal what `cv2.imread` reads from the original file. An optional
row window (CVACT keeps rows 208:624 of its 832-row panoramas) is applied while decoding with
`tf.io.decode_and_crop_jpeg`, which decodes only what it keeps.
"""

import cv2
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds


class OriginalJpeg(tfds.features.Image):
    """RGB uint8 image stored as the original JPEG file, optionally cropped to rows [top, top+height).

    Args:
      shape: decoded shape (height, width, 3) after the crop.
      crop_top: first kept row of the file (0 keeps the file's rows from the top).
      doc: feature documentation.
    """

    def __init__(self, *, shape: tuple[int, int, int], crop_top: int = 0, doc=None):
        super().__init__(shape=shape, dtype=np.uint8, encoding_format="jpeg", doc=doc)
        self._crop_top = int(crop_top)

    @property
    def crop_top(self) -> int:
        return self._crop_top

    def decode_example(self, example):
        height, width, _ = self.shape
        if self._crop_top:
            image = tf.io.decode_and_crop_jpeg(
                example, [self._crop_top, 0, height, width], channels=3, dct_method="INTEGER_ACCURATE"
            )
        else:
            image = tf.io.decode_jpeg(example, channels=3, dct_method="INTEGER_ACCURATE")
        image.set_shape(self.shape)
        return image

    def decode_example_np(self, example: bytes) -> np.ndarray:
        image = cv2.imdecode(np.frombuffer(example, np.uint8), cv2.IMREAD_COLOR)
        height = self.shape[0]
        return cv2.cvtColor(image[self._crop_top : self._crop_top + height], cv2.COLOR_BGR2RGB)

    def to_json_content(self) -> dict:
        return {"shape": list(self.shape), "crop_top": self._crop_top}

    @classmethod
    def from_json_content(cls, value: dict, doc=None) -> "OriginalJpeg":
        return cls(shape=tuple(value["shape"]), crop_top=value.get("crop_top", 0), doc=doc)
