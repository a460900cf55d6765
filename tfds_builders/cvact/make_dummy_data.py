"""Writes dummy_data/: a tiny CVACT folder in the original layout (ACT_data.mat + both image folders).

Run from the repository root: python -m tfds_builders.cvact.make_dummy_data
Seven panoIds; trainSet.trainInd = [1, 4], valSet.valInd = [3] (ANU_data_small) and
valSetAll.valInd = [6, 2] (ANU_data_test), all 1-based as in MATLAB. Items 5 and 7 have no images,
as in the real file, where the index lists do not cover every id.
"""

import os

import cv2
import numpy as np
import scipy.io

FOLDER = os.path.join(os.path.dirname(__file__), "dummy_data")
PANO_IDS = [f"{c * 11}{i:02d}pano_dummy_id_xyz"[:22] for i, c in enumerate("abcdefg")]
TRAIN, VAL, TEST = [1, 4], [3], [6, 2]


def smooth_image(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """A random colour field upsampled from a 3x6 grid: real-looking gradients, small as a JPEG."""
    coarse = rng.integers(0, 256, (3, 3 if rows == columns else 6, 3), dtype=np.uint8)
    return cv2.resize(coarse, (columns, rows), interpolation=cv2.INTER_CUBIC)


def write_jpeg(path: str, image: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 30]):
        raise OSError(f"cannot write {path}")


def main() -> None:
    rng = np.random.default_rng(2019)
    utm = np.stack([rng.uniform(690000, 700000, 7), rng.uniform(6090000, 6100000, 7)], axis=1)
    column = lambda indices: np.array(indices, np.float64)[:, None]  # MATLAB stores indices as doubles
    scipy.io.savemat(
        os.path.join(FOLDER, "ACT_data.mat"),
        {
            "panoIds": np.array(PANO_IDS),
            "utm": utm,
            "trainSet": {"trainInd": column(TRAIN)},
            "valSet": {"valInd": column(VAL)},
            "valSetAll": {"valInd": column(TEST)},
        },
    )
    for folder, indices in (("ANU_data_small", TRAIN + VAL), ("ANU_data_test", TEST)):
        for index in indices:
            pano_id = PANO_IDS[index - 1]
            write_jpeg(f"{FOLDER}/{folder}/streetview/{pano_id}_grdView.jpg", smooth_image(rng, 832, 1664))
            write_jpeg(f"{FOLDER}/{folder}/satview_polish/{pano_id}_satView_polish.jpg", smooth_image(rng, 1200, 1200))


if __name__ == "__main__":
    main()
