"""CrossLocate (Tomešek, Čadík, Brejcha; WACV 2022): photos of the Alps against rendered views.

Each config pairs one dataset description of the original `train.py` (dataset folder, database
folder, query folder, meta name) with a role: `<description>` holds the queries (`ground`),
`<description>_database` the rendered database views (`aerial`). Both have splits `train`, `val`,
`test`, one per meta file; a split's queries and database views belong together (indices never
cross splits). `index` is the position in the meta's file list, which is also the example order.
Depth renders (`.exr`) become float32 [H, W, 1] tensors in metres. `camera` keeps the meta's
[yaw, pitch, roll, hFOV] in radians; `yaw` repeats the yaw in degrees, the unit of every cvgeo builder.
"""

from collections.abc import Iterator
import dataclasses
import os

from absl import logging
import numpy as np
import tensorflow_datasets as tfds

from tfds_builders.crosslocate.crosslocate_meta import WGS_ORDERS, Views, detect_wgs_order, latlon, read_meta
from tfds_builders.crosslocate.exr_depth import read_depth
from tfds_builders.exact_image import ExactImage
from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError, require_files

SOURCE = "http://cphoto.fit.vutbr.cz/crosslocate/ (download the datasets and datasets_meta archives there)"
SPLITS = ("train", "val", "test")

# config prefix: (dataset folder, database folder, query folder, meta name), from the
# DatasetDescriptions of CrossLocate's train.py.
DESCRIPTIONS = {
    "sparse_segments": ("Sparse", "database_segments", "query_segments_result", "GeoPose3K_v2_segments"),
    "sparse_silhouettes": (
        "Sparse", "database_silhouettes", "query_silhouettes_result", "GeoPose3K_v2_silhouettes"),
    "sparse_depth": ("Sparse", "database_depth", "query_depth_result", "GeoPose3K_v2_depth"),
    "sparse_original_to_segments": (
        "Sparse", "database_segments", "query_original_result", "GeoPose3K_v2_original_to_segments"),
    "sparse_original_to_silhouettes": (
        "Sparse", "database_silhouettes", "query_original_result", "GeoPose3K_v2_original_to_silhouettes"),
    "sparse_original_to_depth": (
        "Sparse", "database_depth", "query_original_result", "GeoPose3K_v2_original_to_depth"),
    "uniform_photos_to_segments": (
        "Uniform", "database_segments", "query_photos_to_segments_result", "Alps_photos_to_segments"),
    "uniform_photos_to_segments_compact": (
        "Uniform", "database_segments", "query_photos_to_segments_result", "Alps_photos_to_segments_compact"),
    "uniform_photos_to_silhouettes_compact": (
        "Uniform", "database_silhouettes", "query_photos_to_segments_result", "Alps_photos_to_silhouettes_compact"),
    "uniform_photos_to_depth_compact": (
        "Uniform", "database_depth", "query_photos_to_segments_result", "Alps_photos_to_depth_compact"),
}


@dataclasses.dataclass
class CrossLocateConfig(tfds.core.BuilderConfig):
    """A dataset description and the role (`queries` or `database`) this config holds."""

    dataset: str = ""
    database: str = ""
    queries: str = ""
    meta: str = ""
    role: str = "queries"

    @property
    def folder(self) -> str:
        return self.queries if self.role == "queries" else self.database

    @property
    def depth(self) -> bool:
        return self.folder.endswith("_depth") or self.folder.startswith("query_depth")


def _configs() -> list[CrossLocateConfig]:
    configs = []
    for prefix, (dataset, database, queries, meta) in DESCRIPTIONS.items():
        for role, suffix in (("queries", ""), ("database", "_database")):
            configs.append(CrossLocateConfig(
                name=prefix + suffix,
                description=f"{dataset}: {role} of {meta} ({queries} -> {database}).",
                dataset=dataset, database=database, queries=queries, meta=meta, role=role,
            ))
    return configs


class Builder(tfds.core.GeneratorBasedBuilder):
    """CrossLocate Sparse and Uniform from the original `datasets/` and `datasets_meta/` folders."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = _configs()
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    Download CrossLocate from {SOURCE}. Point --data_dir (manual_dir) at the folder holding:
      datasets/<Sparse|Uniform>/<database folder>/<dbImageFns entry>   e.g. database_segments/...png
      datasets/<Sparse|Uniform>/<query folder>/<qImageFns entry>      e.g. query_original_result/...jpg
      datasets_meta/<Sparse|Uniform>/<meta>_<train|val|test>.npy
    Meta files are read with a restricted loader (no code in them can run). The WGS column order is
    detected from the values; pass the builder keyword wgs_order="latlon" or "lonlat" to override.
    Depth renders (.exr) with NONE, RLE, ZIPS or ZIP compression are read without extra packages.
    """

    def __init__(
        self, *, skip_corrupt: bool = False, wgs_order: str | None = None, use_beam: bool = False, **kwargs
    ):
        """Builder of one config.

        Args:
          skip_corrupt: leave out views whose image does not decode, instead of failing.
          wgs_order: "latlon" or "lonlat" to override the detected WGS column order.
          use_beam: generate with Apache Beam (optional extra `apache-beam`; runner and options come
            from `tfds.download.DownloadConfig(beam_runner=..., beam_options=...)`), for Uniform's
            10.7 M views.
        """
        if wgs_order is not None and wgs_order not in WGS_ORDERS:
            raise ValueError(f"crosslocate: wgs_order must be one of {WGS_ORDERS} or None, got {wgs_order!r}")
        self._skip_corrupt = skip_corrupt
        self._wgs_order = wgs_order
        self._use_beam = use_beam
        super().__init__(**kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        image_name = "ground" if config.role == "queries" else "aerial"
        image = (
            tfds.features.Tensor(shape=(None, None, 1), dtype=np.float32, encoding=tfds.features.Encoding.ZLIB)
            if config.depth else ExactImage()
        )
        exact = tfds.features.Encoding.BYTES  # float64 stays float64 (the default stores float32)
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                image_name: image,
                "id": tfds.features.Text(),  # file name relative to the image folder, without extension
                "file_name": tfds.features.Text(),
                "index": np.int64,
                "meta_id": tfds.features.Text(),
                "place": tfds.features.Text(),
                "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "utm": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "elevation": tfds.features.Tensor(shape=(), dtype=np.float64, encoding=exact),
                # [yaw, pitch, roll, horizontal FOV] in radians, exactly as in the meta file.
                "camera": tfds.features.Tensor(shape=(4,), dtype=np.float64, encoding=exact),
                "yaw": tfds.features.Tensor(shape=(), dtype=np.float64, encoding=exact),  # degrees, as other builders'
            }),
            homepage="https://github.com/JanTomesek/CrossLocate",
            disable_shuffling=True,  # example order == meta order == `index`
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        root = os.fspath(dl_manager.manual_dir)
        config = self.builder_config
        meta_paths = {split: f"datasets_meta/{config.dataset}/{config.meta}_{split}.npy" for split in SPLITS}
        require_files(
            root, meta_paths.values(), dataset="crosslocate",
            pattern=f"datasets_meta/{config.dataset}/{config.meta}_<train|val|test>.npy", source=SOURCE,
        )
        image_dir = os.path.join("datasets", config.dataset, config.folder)
        splits = {}
        for split, meta_path in meta_paths.items():
            meta = read_meta(os.path.join(root, meta_path))
            order = self._wgs_order or detect_wgs_order(
                np.concatenate([meta.database.wgs, meta.queries.wgs]), os.path.join(root, meta_path)
            )
            views = meta.queries if config.role == "queries" else meta.database
            require_files(
                root, [os.path.join(image_dir, name) for name in views.file_names], dataset="crosslocate",
                pattern=f"{image_dir}/<{'q' if config.role == 'queries' else 'db'}ImageFns entry of {meta_path}>",
                source=SOURCE,
            )
            source = _ViewSource(os.path.join(root, image_dir), views, latlon(views.wgs, order))
            splits[split] = self._beam_examples(source) if self._use_beam else self._generate_examples(source)
        return splits

    def _generate_examples(self, source: "_ViewSource") -> Iterator[tuple[int, dict]]:
        """Decodes each view (skipping unreadable ones when allowed) and yields it with its pose."""
        config = self.builder_config
        image_name = "ground" if config.role == "queries" else "aerial"
        report = CorruptImageReport("crosslocate", self._skip_corrupt)
        for index in range(len(source)):
            path, example = source.example(index)
            image = _stored_image(path, config.depth, report)
            if image is not None:
                yield index, {image_name: image, **example}
        (logging.warning if report.corrupt else logging.info)(report.summary())

    def _beam_examples(self, source: "_ViewSource"):
        """The same examples as an Apache Beam transform, so that workers decode views in parallel."""
        beam = tfds.core.lazy_imports.apache_beam
        config = self.builder_config
        image_name = "ground" if config.role == "queries" else "aerial"
        skip_corrupt = self._skip_corrupt
        skipped = beam.metrics.Metrics.counter("crosslocate", "skipped_corrupt_views")

        def decode(index: int) -> Iterator[tuple[int, dict]]:
            path, example = source.example(index)
            image = _stored_image(path, config.depth, CorruptImageReport("crosslocate", skip_corrupt))
            if image is None:
                skipped.inc()
                logging.warning("crosslocate: skipped corrupt view %s", path)
                return
            yield index, {image_name: image, **example}

        return beam.Create(range(len(source))) | beam.FlatMap(decode)


@dataclasses.dataclass(frozen=True)
class _ViewSource:
    """One side of a split, turned into examples one at a time (Uniform has 10.7 M views)."""

    image_dir: str
    views: Views
    positions: np.ndarray  # [N, 2] (lat, lon)

    def __len__(self) -> int:
        return len(self.views)

    def example(self, i: int) -> tuple[str, dict]:
        """The image path and the non-image features of view `i`."""
        views, name = self.views, self.views.file_names[i]
        return os.path.join(self.image_dir, name), {
            "id": os.path.splitext(name)[0],
            "file_name": name,
            "index": i,
            "meta_id": views.ids[i],
            "place": views.place_names[i],
            "latlon": self.positions[i],
            "utm": views.utm[i],
            "elevation": views.elevations[i],
            "camera": views.camera[i],
            "yaw": np.degrees(views.camera[i, 0]),
        }


def _stored_image(path: str, depth: bool, report: CorruptImageReport) -> np.ndarray | str | None:
    """What the image feature gets for `path`: depth in metres, or the path (stored as its bytes).

    None when the file is unreadable and the report allows skipping (then it is recorded there).
    """
    if depth:
        try:
            return read_depth(path)[..., None]
        except ManualLayoutError as error:
            if not report.skip_corrupt:
                raise ManualLayoutError(f"{error}. Build with skip_corrupt=True to leave it out.") from None
            report.corrupt.append(path)
            return None
    return None if report.load(path) is None else path
