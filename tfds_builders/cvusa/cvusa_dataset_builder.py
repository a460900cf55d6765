"""CVUSA (the "CVPR subset" used by CVM-Net, OriCNN, SAFA, Toker et al.) from its original folder."""

import csv
import dataclasses
import os

from absl import logging
import cv2
import numpy as np
import tensorflow_datasets as tfds

from cvgeo.geometry.polar_transform import polar_transform
from tfds_builders.manual_checks import SizeNotes, load_square, manual_folder
from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError, require_files
from tfds_builders.exact_image import ExactImage

GROUND_SHAPE = (224, 1232)
AERIAL_SHAPE = (750, 750)
POLAR_SHAPE = (112, 616)
# split name -> list file, as in every original (`val-19zl.csv` is the test set of all papers).
SPLIT_FILES = {"train": "splits/train-19zl.csv", "test": "splits/val-19zl.csv"}
SOURCE = (
    "the CVUSA dataset of Workman, Souvenir and Jacobs (ICCV 2015), requested from its authors via "
    "https://mvrl.cse.wustl.edu/datasets/cvusa/ ; the split lists train-19zl.csv and val-19zl.csv "
    "come with the 'CVPR subset' used by Zhai et al. (crossnet)"
)
LAYOUT = (
    "splits/train-19zl.csv and splits/val-19zl.csv (no header; each line "
    "'bingmap/19/<id>.jpg,streetview/panos/<id>.jpg,streetview/annotations/<id>.png'), "
    "aerial tiles bingmap/19/<id>.jpg (750x750) and panoramas streetview/panos/<id>.jpg (224x1232)"
)


@dataclasses.dataclass
class CvusaConfig(tfds.core.BuilderConfig):
    """polar: None (raw images only), "safa" (float polar) or "toker" (uint8 polar, cubic resize)."""

    polar: str | None = None


class Builder(tfds.core.GeneratorBasedBuilder):
    """CVUSA street-view panoramas paired with 750x750 aerial tiles (35,532 train / 8,884 test).

    Images are stored as the original JPEG files and decode to the same pixels as `cv2.imread`.
    Examples keep the order of the split lists.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Original layout; raw, SAFA polar and Toker polar configs."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"CVUSA cannot be downloaded automatically. It is {SOURCE}.\n"
        f"Pass the folder that holds it as --data_dir (manual_dir); it must contain {LAYOUT}. "
        "The annotation PNGs are not read."
    )
    BUILDER_CONFIGS = [
        CvusaConfig(name="raw", description="ground 224x1232 panorama, aerial 750x750 tile, id."),
        CvusaConfig(
            name="polar",
            polar="safa",
            description=(
                "raw + `polar`: SAFA's polar transform of the aerial tile, 112x616 float32 on the 0..255 "
                "scale, unquantised (SAFA's script/data_preparation.py)."
            ),
        ),
        CvusaConfig(
            name="polar_toker",
            polar="toker",
            description=(
                "raw + `polar`: the polar transform at 224x1232 truncated to uint8, then resized to "
                "112x616 with bicubic (cv2.INTER_CUBIC) interpolation, as Toker et al. use it."
            ),
        ),
    ]

    def __init__(self, *, skip_corrupt: bool = False, **kwargs):
        """skip_corrupt: leave out pairs with an undecodable image or non-square tile (and log them)."""
        self._skip_corrupt = skip_corrupt
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        features = {
            # Sizes are left open: the originals are 224x1232 and 750x750, but a folder may hold others
            # (the originals skip them; the input pipelines resize to the model's size).
            "ground": ExactImage(encoding_format="jpeg", doc="street-view panorama, RGB (224x1232 originally)"),
            "aerial": ExactImage(encoding_format="jpeg", doc="aerial tile bingmap/19, RGB, north up (750x750)"),
            "id": tfds.features.Text(doc="file stem of the aerial image, e.g. 0000001"),
        }
        if self.builder_config.polar == "safa":
            features["polar"] = tfds.features.Tensor(
                shape=(*POLAR_SHAPE, 3), dtype=np.float32, encoding=tfds.features.Encoding.ZLIB,
                doc="SAFA polar transform of `aerial`, RGB float 0..255",
            )
        elif self.builder_config.polar == "toker":
            features["polar"] = tfds.features.Image(
                shape=(*POLAR_SHAPE, 3), encoding_format="png", doc="Toker et al. polar aerial, RGB uint8"
            )
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage="https://mvrl.cse.wustl.edu/datasets/cvusa/",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        root = manual_folder(dl_manager, "cvusa")
        require_files(root, SPLIT_FILES.values(), dataset="cvusa", pattern=LAYOUT, source=SOURCE)
        splits = {split: read_split_list(os.path.join(root, path)) for split, path in SPLIT_FILES.items()}
        # Everything is checked before any example is written.
        needed = [path for rows in splits.values() for row in rows for path in row[1:]]
        require_files(root, needed, dataset="cvusa", pattern=LAYOUT, source=SOURCE)
        return {split: self._generate_examples(root, rows) for split, rows in splits.items()}

    def _generate_examples(self, root: str, rows: list[tuple[str, str, str]]):
        report, sizes = CorruptImageReport("cvusa", self._skip_corrupt), SizeNotes("cvusa")
        for item_id, aerial_path, ground_path in rows:
            aerial_file, ground_file = os.path.join(root, aerial_path), os.path.join(root, ground_path)
            aerial = load_square(report, aerial_file)
            ground = report.load(ground_file)
            if aerial is None or ground is None:
                continue
            sizes.check(aerial_file, aerial, AERIAL_SHAPE)
            sizes.check(ground_file, ground, GROUND_SHAPE)
            example = {"ground": ground_file, "aerial": aerial_file, "id": item_id}
            if self.builder_config.polar == "safa":
                example["polar"] = polar_transform(aerial, *POLAR_SHAPE, dtype=np.float32)
            elif self.builder_config.polar == "toker":
                example["polar"] = toker_polar(aerial)
            yield item_id, example
        for note in (report.summary() if report.corrupt else None, sizes.summary()):
            if note:
                logging.warning(note)


def read_split_list(path: str) -> list[tuple[str, str, str]]:
    """(id, aerial path, ground path) per line of a CVUSA split CSV, in file order.

    The id is the aerial file's stem, as in the originals (`input_data.py` of CVM-Net). Lines must
    have at least two comma-separated fields; the third (annotation) is ignored.
    """
    rows, seen = [], set()
    with open(path, newline="") as handle:
        for number, fields in enumerate(csv.reader(handle), start=1):
            fields = [field.strip() for field in fields]
            if not any(fields):
                continue
            if len(fields) < 2 or not fields[0] or not fields[1]:
                raise ManualLayoutError(
                    f"cvusa: {path} line {number}: expected 'aerial path,panorama path[,annotation path]', "
                    f"got {','.join(fields)!r}"
                )
            item_id = os.path.splitext(os.path.basename(fields[0]))[0]
            if item_id in seen:
                raise ManualLayoutError(f"cvusa: {path} line {number}: id {item_id} is listed twice")
            seen.add(item_id)
            rows.append((item_id, fields[0], fields[1]))
    return rows


def toker_polar(aerial: np.ndarray) -> np.ndarray:
    """Toker et al.'s CVUSA polar image: 224x1232 polar, truncated to uint8, INTER_CUBIC to 112x616.

    comingdowntoearth's polar script (after its 2022-01 fix) saves `.astype(np.uint8)` of the float
    polar image (truncation, not rounding) and its data loader resizes it with cv2.INTER_CUBIC; the
    author reports that this reproduces the paper (comingdowntoearth issue #1).
    """
    full = polar_transform(aerial, *GROUND_SHAPE).astype(np.uint8)
    return cv2.resize(full, POLAR_SHAPE[::-1], interpolation=cv2.INTER_CUBIC)
