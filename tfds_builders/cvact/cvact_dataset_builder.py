"""CVACT (Liu & Li, CVPR 2019): CVACT_val/train from ANU_data_small, CVACT_test from ANU_data_test."""

import dataclasses
import os

from absl import logging
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from cvgeo.geometry.polar_transform import polar_transform
from tfds_builders.cvact.act_data import SPLIT_FIELDS, read_act_data
from tfds_builders.manual_checks import SizeNotes, load_square, manual_folder
from tfds_builders.manual_layout import CorruptImageReport, require_files
from tfds_builders.exact_image import ExactImage
from tfds_builders.middle_rows_jpeg import MiddleRowsJpeg

# OriCNN input_data_ACT.py and SAFA keep the middle half of the panorama's rows, 208:624 of 832 (the
# rest is sky and the car); the `ground` feature holds that band (MiddleRowsJpeg).
PANORAMA_SHAPE = (832, 1664)
AERIAL_SHAPE = (1200, 1200)
POLAR_SHAPE = (112, 616)
SOURCE = (
    "CVACT of Liu and Li (CVPR 2019, 'Lending Orientation to Neural Networks for Cross-view "
    "Geo-localization'), requested from the authors by e-mail as described at "
    "https://github.com/Liumouliu/OriCNN ; ACT_data.mat ships in that repository under "
    "CVPR2019_codes/OriNet_CVACT/CVACT_orientations/"
)
LAYOUT = (
    "ACT_data.mat, and for every panoId of a split {folder}streetview/<panoId>_grdView.jpg (832x1664 "
    "panoramas) and {folder}satview_polish/<panoId>_satView_polish.jpg (1200x1200 aerial tiles)"
)
# split -> the original folder of its images (`input_data_ACT.py`, `input_data_ACT_test.py`).
SPLIT_FOLDERS = {"train": "ANU_data_small", "val": "ANU_data_small", "test": "ANU_data_test"}


@dataclasses.dataclass
class CvactConfig(tfds.core.BuilderConfig):
    """splits: always built; optional_test: also build `test` when its images are there; polar: add SAFA's polar."""

    splits: tuple[str, ...] = ("train", "val")
    optional_test: bool = True
    polar: bool = False


class Builder(tfds.core.GeneratorBasedBuilder):
    """CVACT panoramas (middle half of the rows) paired with 1200x1200 aerial tiles, with UTM positions.

    `raw`/`polar` hold `train` (35,532) and `val` (CVACT_val, 8,884) from ANU_data_small, plus `test`
    (CVACT_test, 92,802, ~109 GB) when ANU_data_test is present; `test`/`test_polar` hold only `test`.
    Images are found under ANU_data_small/ and ANU_data_test/ as distributed, or directly under the
    folder (streetview/, satview_polish/) when it holds one of them or everything together.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Original layout; ACT_data.mat splits; raw and SAFA polar configs."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"CVACT cannot be downloaded automatically. It is {SOURCE}.\n"
        "Pass the folder that holds it as --data_dir (manual_dir); it must contain "
        + LAYOUT.format(folder="ANU_data_small/")
        + " for train/val, and the same under ANU_data_test/ for CVACT_test (ANU_data_small/ and "
        "ANU_data_test/ may also be merged into the folder itself)."
    )
    BUILDER_CONFIGS = [
        CvactConfig(
            name="raw",
            description="train + val (+ test if present): ground rows 208:624 (416x1664), aerial 1200x1200, utm, id.",
        ),
        CvactConfig(name="polar", polar=True, description="raw + `polar`: SAFA's polar aerial, float32 112x616."),
        CvactConfig(
            name="test", splits=("test",), optional_test=False,
            description="CVACT_test only (valSetAll.valInd, ANU_data_test); features as raw.",
        ),
        CvactConfig(
            name="test_polar", splits=("test",), optional_test=False, polar=True,
            description="CVACT_test only, with SAFA's polar aerial.",
        ),
    ]

    def __init__(self, *, skip_corrupt: bool = False, **kwargs):
        """skip_corrupt: leave out pairs with an undecodable image or non-square tile (and log them)."""
        self._skip_corrupt = skip_corrupt
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        features = {
            # Sizes are left open (originals: 416x1664 after the cut, 1200x1200), as for CVUSA.
            "ground": MiddleRowsJpeg(
                doc="middle half of the rows (208:624 of 832) of the north-aligned panorama, RGB"
            ),
            "aerial": ExactImage(encoding_format="jpeg", doc="satview_polish aerial tile, RGB, north up (1200x1200)"),
            # Bytes encoding keeps float64: tf.Example float lists are float32, which moves UTM by ~0.1 m.
            "utm": tfds.features.Tensor(
                shape=(2,), dtype=np.float64, encoding=tfds.features.Encoding.BYTES,
                doc="UTM easting, northing in metres",
            ),
            "id": tfds.features.Text(doc="panoId"),
        }
        if self.builder_config.polar:
            features["polar"] = tfds.features.Tensor(
                shape=(*POLAR_SHAPE, 3), dtype=np.float32, encoding=tfds.features.Encoding.ZLIB,
                doc="SAFA polar transform of `aerial`, RGB float 0..255",
            )
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage="https://github.com/Liumouliu/OriCNN",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        root = manual_folder(dl_manager, "cvact")
        layout = LAYOUT.format(folder="ANU_data_small/")
        require_files(root, ["ACT_data.mat"], dataset="cvact", pattern=layout, source=SOURCE)
        act = read_act_data(os.path.join(root, "ACT_data.mat"))
        items = {split: [(act.pano_ids[i], act.utm[i]) for i in act.splits[split]] for split in SPLIT_FIELDS}
        chosen = {split: _image_folder(root, split) for split in self.builder_config.splits}
        if self.builder_config.optional_test and "test" not in chosen:
            folder = _image_folder(root, "test")
            merged = items["test"] and all(
                tf.io.gfile.exists(os.path.join(root, path)) for pano_id, _ in items["test"] for path in _paths("", pano_id)
            )
            if folder or merged:
                chosen["test"] = folder
            else:
                logging.info("cvact: no ANU_data_test/ under %s, so no `test` split (CVACT_test) is built", root)
        # Everything is checked before any example is written.
        for split, folder in chosen.items():
            needed = [path for pano_id, _ in items[split] for path in _paths(folder, pano_id)]
            pattern = LAYOUT.format(folder=folder)
            if not folder:
                pattern += f" (there is no {SPLIT_FOLDERS[split]}/ folder, so images are looked for directly under it)"
            require_files(root, needed, dataset="cvact", pattern=pattern, source=SOURCE)
        return {split: self._generate_examples(root, folder, items[split]) for split, folder in chosen.items()}

    def _generate_examples(self, root: str, folder: str, items: list[tuple[str, np.ndarray]]):
        report, sizes = CorruptImageReport("cvact", self._skip_corrupt), SizeNotes("cvact")
        for position, (pano_id, utm) in enumerate(items):
            ground_file, aerial_file = (os.path.join(root, p) for p in _paths(folder, pano_id))
            ground = report.load(ground_file)
            aerial = load_square(report, aerial_file)
            if ground is None or aerial is None:
                continue
            sizes.check(ground_file, ground, PANORAMA_SHAPE)
            sizes.check(aerial_file, aerial, AERIAL_SHAPE)
            example = {"ground": ground_file, "aerial": aerial_file, "utm": utm, "id": pano_id}
            if self.builder_config.polar:
                example["polar"] = polar_transform(aerial, *POLAR_SHAPE, dtype=np.float32)
            yield position, example
        for note in (report.summary() if report.corrupt else None, sizes.summary()):
            if note:
                logging.warning(note)


def _image_folder(root: str, split: str) -> str:
    """"ANU_data_small/" or "ANU_data_test/" (with the slash) when that folder exists, else "" (images under root)."""
    folder = SPLIT_FOLDERS[split]
    return f"{folder}/" if tf.io.gfile.isdir(os.path.join(root, folder)) else ""


def _paths(folder: str, pano_id: str) -> tuple[str, str]:
    """Relative (panorama, aerial) paths of one CVACT item under `folder` ("" or ending in a slash)."""
    return (
        f"{folder}streetview/{pano_id}_grdView.jpg",
        f"{folder}satview_polish/{pano_id}_satView_polish.jpg",
    )
