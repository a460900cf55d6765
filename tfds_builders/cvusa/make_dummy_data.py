"""Writes dummy_data/: a five-pair CVUSA folder in the original layout, with small smooth JPEGs.

Run from the repository root: python -m tfds_builders.cvusa.make_dummy_data
Images have the real sizes (the builder checks them) but low-detail content, so each file is a few KB.
"""

import os

import cv2
import numpy as np

FOLDER = os.path.join(os.path.dirname(__file__), "dummy_data")
TRAIN_IDS = ("0000001", "0000002", "0000004")
TEST_IDS = ("0000005", "0000007")


def smooth_image(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """A random colour field upsampled from a coarse grid: real-looking gradients, tiny as a JPEG."""
    coarse = rng.integers(0, 256, (max(rows // 150, 2), max(columns // 150, 2), 3), dtype=np.uint8)
    return cv2.resize(coarse, (columns, rows), interpolation=cv2.INTER_CUBIC)


def write_jpeg(path: str, image: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 40]):
        raise OSError(f"cannot write {path}")


def main() -> None:
    rng = np.random.default_rng(2015)
    os.makedirs(os.path.join(FOLDER, "splits"), exist_ok=True)
    for list_name, ids in (("train-19zl.csv", TRAIN_IDS), ("val-19zl.csv", TEST_IDS)):
        lines = [f"bingmap/19/{i}.jpg,streetview/panos/{i}.jpg,streetview/annotations/{i}.png" for i in ids]
        with open(os.path.join(FOLDER, "splits", list_name), "w") as handle:
            handle.write("\n".join(lines) + "\n")
        for item_id in ids:
            write_jpeg(os.path.join(FOLDER, "bingmap", "19", f"{item_id}.jpg"), smooth_image(rng, 750, 750))
            write_jpeg(os.path.join(FOLDER, "streetview", "panos", f"{item_id}.jpg"), smooth_image(rng, 224, 1232))


if __name__ == "__main__":
    main()
