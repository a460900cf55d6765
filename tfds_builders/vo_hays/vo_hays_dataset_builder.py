"""Vo & Hays (ECCV 2016) cross-view pairs from user-made list files (format: vo_hays_lists).

The dataset ships as image folders without split lists, so the builder reads `train.csv`,
`val.csv` and `test.csv` (whichever exist, at least one) from the manual folder; each row names a
ground image and its aerial image, optionally with position, heading and city.
"""

from collections.abc import Iterator
import os

from absl import logging
from etils import epath
import numpy as np
import tensorflow_datasets as tfds

from tfds_builders.exact_image import ExactImage
from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError, require_files
from tfds_builders.vo_hays.vo_hays_lists import Pair, read_pairs

SOURCE = "the Vo & Hays ECCV 2016 authors (Nam Vo, James Hays; request the cross-view data from them)"
SPLITS = ("train", "val", "test")


class Builder(tfds.core.GeneratorBasedBuilder):
    """Vo & Hays ground/aerial pairs listed in `<split>.csv` files."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    Obtain the images from {SOURCE}. Put next to them one CSV per split, train.csv, val.csv and/or
    test.csv, with a header row, e.g.
      ground,aerial,lat,lon,yaw,city
      streetview/atlanta/000001.jpg,aerial/atlanta/000001.jpg,33.7490,-84.3880,90.0,atlanta
    ground and aerial are required (paths relative to the folder holding the CSV, or absolute);
    lat, lon, yaw (degrees), city and id are optional, and a given column must be filled on every row.
    Point --data_dir (manual_dir) at that folder.
    """

    def __init__(self, *, skip_corrupt: bool = False, **kwargs):
        """`skip_corrupt` leaves out pairs whose images do not decode instead of failing."""
        self._skip_corrupt = skip_corrupt
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        exact = tfds.features.Encoding.BYTES  # float64 stays float64 (the default stores float32)
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "ground": ExactImage(),
                "aerial": ExactImage(),
                "id": tfds.features.Text(),
                "city": tfds.features.Text(),
                "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),  # NaN if not listed
                "yaw": tfds.features.Tensor(shape=(), dtype=np.float64, encoding=exact),  # degrees, NaN if not listed
            }),
            homepage="https://github.com/lugiavn/gt-crossview",
            disable_shuffling=True,  # examples keep the list order
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        root = os.fspath(dl_manager.manual_dir)
        lists = {split: os.path.join(root, f"{split}.csv") for split in SPLITS}
        lists = {split: path for split, path in lists.items() if epath.Path(path).is_file()}
        if not lists:
            raise ManualLayoutError(
                f"vo_hays: no list file under {root}: expected train.csv, val.csv and/or test.csv "
                f"(format in the builder README). The dataset comes from: {SOURCE}"
            )
        pairs = {split: read_pairs(path) for split, path in lists.items()}
        require_files(
            root, [path for split_pairs in pairs.values() for p in split_pairs for path in (p.ground, p.aerial)],
            dataset="vo_hays", source=SOURCE,
            pattern="the ground and aerial paths of <split>.csv, relative to its folder",
        )
        return {split: self._generate_examples(root, split_pairs) for split, split_pairs in pairs.items()}

    def _generate_examples(self, root: str, pairs: list[Pair]) -> Iterator[tuple[int, dict]]:
        """Yields the listed pairs whose images decode, images as their original bytes."""
        report = CorruptImageReport("vo_hays", self._skip_corrupt)
        for key, pair in enumerate(pairs):
            ground, aerial = os.path.join(root, pair.ground), os.path.join(root, pair.aerial)
            if report.load(ground) is None or report.load(aerial) is None:
                continue
            yield key, {
                "ground": ground,
                "aerial": aerial,
                "id": pair.id,
                "city": pair.city,
                "latlon": np.array([pair.lat, pair.lon], np.float64),
                "yaw": pair.yaw,
            }
        (logging.warning if report.corrupt else logging.info)(report.summary())
