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
        VigorConfig(
            name="cross_area", area="cross_area",
            description="Cross-area queries (train NewYork+Seattle, test SanFrancisco+Chicago).",
        ),
        VigorConfig(
            name="same_area_corrected", area="same_area", corrected=True,
            description="Same-area queries with the corrected labels.",
        ),
        VigorConfig(
            name="cross_area_corrected", area="cross_area", corrected=True,
            description="Cross-area queries with the corrected labels.",
        ),
        VigorConfig(
            name="satellite", description="All satellite tiles, one split per city, in satellite_list.txt order.",
        ),
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

    def __init__(
        self,
        *,
        skip_corrupt: bool = False,
        corrected_labels_dir: str | None = None,
        use_beam: bool = False,
        **kwargs,
    ):
        """Builder of one config.

        Args:
          skip_corrupt: leave out examples whose images do not decode, instead of failing.
          corrected_labels_dir: folder of the corrected label files (`<City>/<list>.txt`) for the
            *_corrected configs; default `splits__corrected/` in the manual folder.
          use_beam: generate with Apache Beam (optional extra `apache-beam`; runner and options come
            from `tfds.download.DownloadConfig(beam_runner=..., beam_options=...)`).
        """
        self._skip_corrupt = skip_corrupt
        self._corrected_labels_dir = corrected_labels_dir
        self._use_beam = use_beam
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        exact = tfds.features.Encoding.BYTES  # float64 stays float64 (the default stores float32)
        features = {
            "aerial": ExactImage(encoding_format="png"),
            "id": tfds.features.Text(),
            "city": tfds.features.Text(),
            "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
        }
        if self.builder_config.area is None:
            features["index"] = np.int64  # position in the city's satellite_list.txt
        else:
            features.update({
                "ground": ExactImage(encoding_format="jpeg"),
                "aerial_id": tfds.features.Text(),
                "aerial_latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "positive_index": np.int64,
                "positive_delta": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "semi_positive_indices": tfds.features.Tensor(shape=(SEMI_POSITIVES,), dtype=np.int64),
                "semi_positive_deltas": tfds.features.Tensor(
                    shape=(SEMI_POSITIVES, 2), dtype=np.float64, encoding=exact
                ),
            })
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage="https://github.com/Jeff-Zilence/VIGOR",
            # Keeps the gallery in satellite_list.txt order, so that position == `index`.
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        root = os.fspath(dl_manager.manual_dir)
        # Both areas use all four cities between their train and test splits.
        require_files(
            root, [f"splits/{city}/satellite_list.txt" for city in CITIES],
            dataset="vigor", pattern="splits/<City>/satellite_list.txt", source=SOURCE,
        )
        tiles = {city: read_satellite_list(os.path.join(root, "splits", city, "satellite_list.txt")) for city in CITIES}
        if self.builder_config.area is None:
            examples = {
                split_name(city): [(i, _tile_example(root, city, i, name)) for i, name in enumerate(names)]
                for city, names in tiles.items()
            }
        else:
            examples = {split: self._query_examples(root, tiles, split) for split in ("train", "test")}
        needed = sorted({
            os.path.relpath(example[name], root)
            for split_examples in examples.values() for _, example in split_examples
            for name in ("ground", "aerial") if name in example
        })
        require_files(
            root, needed, dataset="vigor",
            pattern="<City>/panorama/<prefix>,<lat>,<lng>,.jpg and <City>/satellite/satellite_<lat>_<lng>.png",
            source=SOURCE,
        )
        generate = self._beam_examples if self._use_beam else self._generate_examples
        return {split: generate(split_examples) for split, split_examples in examples.items()}

    def _query_examples(self, root: str, tiles: dict[str, list[str]], split: str) -> list[tuple[int, dict]]:
        """The labelled panoramas of `split`, their tiles given as indices into the split's gallery."""
        list_name, cities = _QUERY_LISTS[(self.builder_config.area, split)]
        if self.builder_config.corrected:
            labels_dir = self._corrected_labels_dir or os.path.join(root, CORRECTED_LABELS_DIR)
        else:
            labels_dir = os.path.join(root, "splits")
        require_files(
            labels_dir, [f"{city}/{list_name}" for city in cities],
            dataset="vigor", pattern=f"<labels>/<City>/{list_name}", source=SOURCE,
        )
        gallery = {(city, name): i for i, (city, name) in enumerate((c, n) for c in cities for n in tiles[c])}
        examples = []
        for city in cities:
            label_path = os.path.join(labels_dir, city, list_name)
            for label in read_labels(label_path):
                unknown = [t for t in label.tiles if (city, t) not in gallery]
                if unknown:
                    raise ManualLayoutError(
                        f"vigor: {label_path}: panorama {label.panorama} names tile {unknown[0]}, "
                        f"which splits/{city}/satellite_list.txt does not list"
                    )
                indices = [gallery[(city, t)] for t in label.tiles]
                examples.append((len(examples), _query_example(root, city, label, indices)))
        return examples

    def _generate_examples(self, examples: list[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
        """Yields the prepared examples whose images decode; images are stored as their original bytes."""
        report = CorruptImageReport("vigor", self._skip_corrupt)
        for key, example in examples:
            if _images_decode(example, report):
                yield key, example
        (logging.warning if report.corrupt else logging.info)(report.summary())

    def _beam_examples(self, examples: list[tuple[int, dict]]):
        """The same examples as an Apache Beam transform, so that workers decode images in parallel."""
        beam = tfds.core.lazy_imports.apache_beam
        skip_corrupt = self._skip_corrupt
        skipped = beam.metrics.Metrics.counter("vigor", "skipped_corrupt_examples")

        def keep(item: tuple[int, dict]) -> bool:
            report = CorruptImageReport("vigor", skip_corrupt)
            if _images_decode(item[1], report):
                return True
            skipped.inc()
            logging.warning(report.summary())
            return False

        return beam.Create(examples) | beam.Filter(keep)


def _images_decode(example: dict, report: CorruptImageReport) -> bool:
    """Whether the example's images decode (a corrupt one raises unless the report skips)."""
    return all(report.load(example[name]) is not None for name in ("ground", "aerial") if name in example)


def _tile_example(root: str, city: str, index: int, name: str) -> dict:
    return {
        "aerial": os.path.join(root, city, "satellite", name),
        "id": os.path.splitext(name)[0],
        "city": city,
        "index": index,
        "latlon": np.array(satellite_latlon(name), np.float64),
    }


def _query_example(root: str, city: str, label: PanoramaLabel, indices: list[int]) -> dict:
    deltas = np.array(label.deltas, np.float64)
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
