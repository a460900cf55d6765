"""VIGOR (Zhu, Yang, Chen; CVPR 2021): street panoramas and the satellite tiles that cover them.

Configs:
  same_area / cross_area: query panoramas (splits `train`, `test`), each with its positive tile as
    `aerial` and the indices and pixel offsets of the positive and the 3 semi-positive tiles.
  same_area_corrected / cross_area_corrected: the same, with the label files taken from the
    corrected labels published after the paper (see MANUAL_DOWNLOAD_INSTRUCTIONS).
  satellite: every satellite tile, one split per city (`newyork`, `seattle`, `sanfrancisco`,
    `chicago`), in `satellite_list.txt` order. This is the reference gallery.

The indices `positive_index` and `semi_positive_indices` of a query count tiles in the gallery that
`reference_split(area, split)` names, e.g. `tfds.load("vigor/satellite",
split=reference_split("cross_area", "test"))`, which is the `vigor` evaluation protocol's reference set.
"""

from collections.abc import Iterator
import dataclasses
import os

from absl import logging
import numpy as np
import tensorflow_datasets as tfds

from tfds_builders.exact_image import ExactImage
from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError, require_files
from tfds_builders.vigor.vigor_labels import (
    CITIES,
    SEMI_POSITIVES,
    PanoramaLabel,
    panorama_latlon,
    read_labels,
    read_satellite_list,
    satellite_latlon,
)

SOURCE = "https://github.com/Jeff-Zilence/VIGOR (request access through the questionnaire linked there)"
CORRECTED_LABELS_DIR = "splits__corrected"

# Label file and cities of each (area, split), as in VIGOR's dataloader: same-area trains and tests on
# all four cities; cross-area trains on NewYork + Seattle and tests on SanFrancisco + Chicago, both
# from pano_label_balanced.txt.
_QUERY_LISTS = {
    ("same_area", "train"): ("same_area_balanced_train.txt", CITIES),
    ("same_area", "test"): ("same_area_balanced_test.txt", CITIES),
    ("cross_area", "train"): ("pano_label_balanced.txt", ("NewYork", "Seattle")),
    ("cross_area", "test"): ("pano_label_balanced.txt", ("SanFrancisco", "Chicago")),
}


def split_name(city: str) -> str:
    """The `vigor/satellite` split holding the tiles of `city`, e.g. "sanfrancisco"."""
    return city.lower()


def reference_split(area: str, split: str) -> str:
    """The `vigor/satellite` split expression whose tiles the indices of `area`/`split` queries count.

    Example: reference_split("cross_area", "test") == "sanfrancisco+chicago".
    """
    if (area, split) not in _QUERY_LISTS:
        raise ValueError(f"vigor: no query split {area}/{split}; areas same_area, cross_area; splits train, test")
    return "+".join(split_name(city) for city in _QUERY_LISTS[(area, split)][1])


@dataclasses.dataclass
class VigorConfig(tfds.core.BuilderConfig):
    """`area` is "same_area", "cross_area" or None (the satellite gallery); `corrected` picks the labels."""

    area: str | None = None
    corrected: bool = False


class Builder(tfds.core.GeneratorBasedBuilder):
    """VIGOR from its original folder layout."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        VigorConfig(name="same_area", description="Same-area queries (all four cities).", area="same_area"),
        VigorConfig(name="cross_area", description="Cross-area queries (train NewYork+Seattle, test SanFrancisco+Chicago).", area="cross_area"),
        VigorConfig(name="same_area_corrected", description="Same-area queries with the corrected labels.", area="same_area", corrected=True),
        VigorConfig(name="cross_area_corrected", description="Cross-area queries with the corrected labels.", area="cross_area", corrected=True),
        VigorConfig(name="satellite", description="All satellite tiles, one split per city, in satellite_list.txt order."),
    ]
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    Request VIGOR at {SOURCE}. Point --data_dir (manual_dir) at the extracted VIGOR folder:
      <City>/panorama/<prefix>,<lat>,<lng>,.jpg      for City in {', '.join(CITIES)}
      <City>/satellite/satellite_<lat>_<lng>.png
      splits/<City>/satellite_list.txt
      splits/<City>/same_area_balanced_train.txt, same_area_balanced_test.txt, pano_label_balanced.txt
    The *_corrected configs read the label files from {CORRECTED_LABELS_DIR}/<City>/ (same names and
    format; the corrected labels linked from the VIGOR README), or from the folder given as the builder
    keyword corrected_labels_dir. satellite_list.txt is always read from splits/<City>/.
    """

    def __init__(self, *, skip_corrupt: bool = False, corrected_labels_dir: str | None = None, **kwargs):
        """`skip_corrupt` leaves out examples whose images do not decode instead of failing."""
        self._skip_corrupt = skip_corrupt
        self._corrected_labels_dir = corrected_labels_dir
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        if self.builder_config.area is None:
            features = {
                "aerial": ExactImage(encoding_format="png"),
                "id": tfds.features.Text(),
                "city": tfds.features.Text(),
                "index": np.int64,  # position in the city's satellite_list.txt
                "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=tfds.features.Encoding.BYTES),
            }
        else:
            features = {
                "ground": ExactImage(encoding_format="jpeg"),
                "aerial": ExactImage(encoding_format="png"),
                "id": tfds.features.Text(),
                "city": tfds.features.Text(),
                "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=tfds.features.Encoding.BYTES),
                "aerial_id": tfds.features.Text(),
                "aerial_latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=tfds.features.Encoding.BYTES),
                "positive_index": np.int64,
                "positive_delta": tfds.features.Tensor(shape=(2,), dtype=np.float32),
                "semi_positive_indices": tfds.features.Tensor(shape=(SEMI_POSITIVES,), dtype=np.int64),
                "semi_positive_deltas": tfds.features.Tensor(shape=(SEMI_POSITIVES, 2), dtype=np.float32),
            }
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage="https://github.com/Jeff-Zilence/VIGOR",
            # Keeps the gallery in satellite_list.txt order, so that position == `index`.
            disable_shuffling=True,
        )

    def _labels_dir(self, root: str) -> str:
        if not self.builder_config.corrected:
            return os.path.join(root, "splits")
        return self._corrected_labels_dir or os.path.join(root, CORRECTED_LABELS_DIR)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        root = os.fspath(dl_manager.manual_dir)
        config = self.builder_config
        cities = CITIES  # both areas use all four cities between their train and test splits
        require_files(
            root, [f"splits/{city}/satellite_list.txt" for city in cities],
            dataset="vigor", pattern="splits/<City>/satellite_list.txt", source=SOURCE,
        )
        tiles = {city: read_satellite_list(os.path.join(root, "splits", city, "satellite_list.txt")) for city in cities}
        if config.area is None:
            require_files(
                root, [f"{city}/satellite/{name}" for city in cities for name in tiles[city]],
                dataset="vigor", pattern="<City>/satellite/satellite_<lat>_<lng>.png", source=SOURCE,
            )
            return {
                split_name(city): self._generate_examples(
                    [(index, _tile_example(root, city, index, name)) for index, name in enumerate(tiles[city])]
                )
                for city in cities
            }

        labels_dir = self._labels_dir(root)
        queries = {}
        for split in ("train", "test"):
            list_name, split_cities = _QUERY_LISTS[(config.area, split)]
            require_files(
                labels_dir, [f"{city}/{list_name}" for city in split_cities],
                dataset="vigor", pattern=f"<labels>/<City>/{list_name}", source=SOURCE,
            )
            gallery = {}
            for city in split_cities:
                for name in tiles[city]:
                    gallery[(city, name)] = len(gallery)
            split_queries = []
            for city in split_cities:
                label_path = os.path.join(labels_dir, city, list_name)
                for label in read_labels(label_path):
                    unknown = [t for t in label.tiles if (city, t) not in gallery]
                    if unknown:
                        raise ManualLayoutError(
                            f"vigor: {label_path}: panorama {label.panorama} names tile {unknown[0]}, "
                            f"which splits/{city}/satellite_list.txt does not list"
                        )
                    indices = [gallery[(city, t)] for t in label.tiles]
                    split_queries.append((len(split_queries), _query_example(root, city, label, indices)))
            queries[split] = split_queries
        needed = sorted(
            {os.path.relpath(example[name], root) for qs in queries.values() for _, example in qs for name in ("ground", "aerial")}
        )
        require_files(
            root, needed, dataset="vigor",
            pattern="<City>/panorama/<prefix>,<lat>,<lng>,.jpg and <City>/satellite/satellite_<lat>_<lng>.png",
            source=SOURCE,
        )
        return {split: self._generate_examples(split_queries) for split, split_queries in queries.items()}

    def _generate_examples(self, examples: list[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
        """Yields the prepared examples whose images decode; images are stored as their original bytes."""
        report = CorruptImageReport("vigor", self._skip_corrupt)
        for key, example in examples:
            images = [example[name] for name in ("ground", "aerial") if name in example]
            if all(report.load(path) is not None for path in images):
                yield key, example
        (logging.warning if report.corrupt else logging.info)(report.summary())


def _tile_example(root: str, city: str, index: int, name: str) -> dict:
    return {
        "aerial": os.path.join(root, city, "satellite", name),
        "id": os.path.splitext(name)[0],
        "city": city,
        "index": index,
        "latlon": np.array(satellite_latlon(name), np.float64),
    }


def _query_example(root: str, city: str, label: PanoramaLabel, indices: list[int]) -> dict:
    deltas = np.array(label.deltas, np.float32)
    return {
        "ground": os.path.join(root, city, "panorama", label.panorama),
        "aerial": os.path.join(root, city, "satellite", label.tiles[0]),
        "id": os.path.splitext(label.panorama)[0],
        "city": city,
        "latlon": np.array(panorama_latlon(label.panorama), np.float64),
        "aerial_id": os.path.splitext(label.tiles[0])[0],
        "aerial_latlon": np.array(satellite_latlon(label.tiles[0]), np.float64),
        "positive_index": indices[0],
        "positive_delta": deltas[0],
        "semi_positive_indices": np.array(indices[1:], np.int64),
        "semi_positive_deltas": deltas[1:],
    }
