"""Writes a tiny Vo & Hays folder with list files (dummy_data/ and the builder tests).

Run `python -m tfds_builders.vo_hays.dummy_data_generation` to regenerate dummy_data/.
"""

import os

import cv2
import numpy as np

CITIES = ("atlanta", "boston")


def write_vo_hays_layout(root: str, *, pairs_per_city: int = 2, seed: int = 0, with_position: bool = True) -> None:
    """`pairs_per_city` pairs per city in train.csv and test.csv, one per city in val.csv."""
    rng = np.random.default_rng(seed)
    rows = {"train": [], "val": [], "test": []}
    for c, city in enumerate(CITIES):
        for split in rows:
            for i in range(1 if split == "val" else pairs_per_city):
                stem = f"{split}_{i:04d}"
                ground = f"streetview/{city}/{stem}.jpg"
                aerial = f"aerial/{city}/{stem}.png"
                for path, shape in ((ground, (12, 16, 3)), (aerial, (16, 16, 3))):
                    os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
                    cv2.imwrite(os.path.join(root, path), rng.integers(0, 256, shape, dtype=np.uint8))
                lat, lon, yaw = 33.7 + c + 0.001 * i, -84.4 + 13 * c - 0.001 * i, (37.5 * i) % 360
                rows[split].append((ground, aerial, f"{lat:.6f}", f"{lon:.6f}", f"{yaw:.2f}", city))
    header = "ground,aerial,lat,lon,yaw,city" if with_position else "aerial,ground"
    for split, split_rows in rows.items():
        with open(os.path.join(root, f"{split}.csv"), "w") as handle:
            handle.write(header + "\n")
            for row in split_rows:
                handle.write(",".join(row if with_position else (row[1], row[0])) + "\n")


if __name__ == "__main__":
    write_vo_hays_layout(os.path.join(os.path.dirname(__file__), "dummy_data"))
