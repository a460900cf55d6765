"""Reading query photos from files at a model's input size."""

from collections.abc import Sequence
import os

import cv2
import numpy as np

from cvgeo.errors import CvgeoError


def read_query_images(paths: Sequence[str], shape: tuple[int, int]) -> np.ndarray:
    """RGB images [N, H, W, 3] uint8 at `shape` (area resampling, like the originals' INTER_AREA).

    Raises CvgeoError naming the first path that is not a file or does not decode.
    """
    images = []
    for path in paths:
        image = cv2.imread(path, cv2.IMREAD_COLOR) if os.path.isfile(path) else None
        if image is None:
            raise CvgeoError(f"cannot read image {path}: not a file or not a decodable image")
        image = cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        images.append(image[:, :, ::-1])
    return np.stack(images)
