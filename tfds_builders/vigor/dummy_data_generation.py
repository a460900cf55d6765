"""Writes a tiny VIGOR folder in the original layout (used for dummy_data/ and the builder tests).

Run `python -m tfds_builders.vigor.dummy_data_generation` to regenerate dummy_data/.
"""

import os

import cv2
import numpy as np

from tfds_builders.vigor.vigor_labels import CITIES

_CITY_ORIGIN = {
    "NewYork": (40.71, -74.0), "Seattle": (47.6, -122.33), "SanFrancisco": (37.77, -122.42), "Chicago": (41.88, -87.63),
}


def _noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Blocky noise: distinct pixels per file, yet small once compressed."""
    blocks = rng.integers(0, 256, (height // 4, width // 4, 3), dtype=np.uint8)
    return np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1)


def write_vigor_layout(root: str, *, panoramas: int = 4, tiles: int = 6, seed: int = 0) -> None:
    """`panoramas` panoramas and `tiles` tiles per city, with label files for every split."""
    rng = np.random.default_rng(seed)
    for city in CITIES:
        lat0, lon0 = _CITY_ORIGIN[city]
        os.makedirs(os.path.join(root, city, "panorama"), exist_ok=True)
        os.makedirs(os.path.join(root, city, "satellite"), exist_ok=True)
        os.makedirs(os.path.join(root, "splits", city), exist_ok=True)
        tile_names = [f"satellite_{lat0 + 0.001 * i:.6f}_{lon0 + 0.0007 * i:.6f}.png" for i in range(tiles)]
        for name in tile_names:
            cv2.imwrite(os.path.join(root, city, "satellite", name), _noise(rng, 24, 24))
        lines = []
        for p in range(panoramas):
            name = f"pano{p:02d}{city[:2]},{lat0 + 0.0011 * p:.6f},{lon0 + 0.0006 * p:.6f},.jpg"
            cv2.imwrite(os.path.join(root, city, "panorama", name), _noise(rng, 16, 32), [cv2.IMWRITE_JPEG_QUALITY, 90])
            chosen = rng.choice(tiles, 4, replace=False)
            deltas = rng.uniform(-320, 320, (4, 2))
            fields = [name] + [f"{tile_names[t]} {d0:.4f} {d1:.4f}" for t, (d0, d1) in zip(chosen, deltas)]
            lines.append(" ".join(fields))
        with open(os.path.join(root, "splits", city, "satellite_list.txt"), "w") as handle:
            handle.write("\n".join(tile_names) + "\n")
        half = panoramas // 2
        for list_name, chosen_lines in (
            ("same_area_balanced_train.txt", lines[:half]),
            ("same_area_balanced_test.txt", lines[half:]),
            ("pano_label_balanced.txt", lines),
        ):
            with open(os.path.join(root, "splits", city, list_name), "w") as handle:
                handle.write("\n".join(chosen_lines) + "\n")
            # Corrected labels: same files, other offsets, so a test can tell which were read.
            os.makedirs(os.path.join(root, "splits__corrected", city), exist_ok=True)
            with open(os.path.join(root, "splits__corrected", city, list_name), "w") as handle:
                handle.write("\n".join(_shift_offsets(line) for line in chosen_lines) + "\n")


def _shift_offsets(line: str) -> str:
    tokens = line.split()
    for i in range(2, len(tokens), 3):
        tokens[i] = f"{float(tokens[i]) + 1.5:.4f}"
    return " ".join(tokens)


if __name__ == "__main__":
    write_vigor_layout(os.path.join(os.path.dirname(__file__), "dummy_data"))
