"""The datasets cvgeo trains and evaluates on, and how to open a split of each.

Every dataset is a config of one of cvgeo's TFDS builders (`tfds_builders/`): its cvgeo name is the
builder's name for the config that is the dataset as distributed ("raw", "default", or a builder
without configs) and `<builder>_<config>` for the others (`cvusa_polar` is `cvusa/polar`). Config
names and the manual-download instructions (with where to request the files) are read from the
builder classes; this module adds only cvgeo's choices per builder: the evaluation split, the
feature holding planar positions, and which configs are reference galleries of another config
rather than datasets of their own.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass
import functools
import os
from typing import TYPE_CHECKING

from cvgeo.data.indexed_split import IndexedSplit
from cvgeo.errors import CvgeoError

if TYPE_CHECKING:
    import tensorflow as tf
    import tensorflow_datasets as tfds

# Configs that are the dataset as distributed take the builder's own name.
PLAIN_CONFIGS = ("raw", "default")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset as the CLIs see it.

    Attributes:
      tfds_name: TFDS builder and config, e.g. "cvusa/raw".
      train_split / eval_split: default splits for training and evaluation.
      coordinates: feature holding planar positions in metres ("xy", "utm"), or None.
      manual: whether the original files must be downloaded by hand (then `data_dir` is required).
      instructions: the builder's MANUAL_DOWNLOAD_INSTRUCTIONS (where to get the files, their layout).
      protocol: the evaluation protocol of a model on this dataset (`cvgeo.evaluation.PROTOCOLS`).
      gallery: TFDS builder and config of the references, for datasets whose queries are ranked
        against a gallery of their own (VIGOR's satellite tiles, CrossLocate's database views)
        rather than against the other image of each pair; None for paired datasets.
      gallery_splits: (query split, gallery split expression) pairs: the references of each split.
    """

    tfds_name: str
    train_split: str
    eval_split: str
    coordinates: str | None
    manual: bool
    instructions: str
    protocol: str = "cvusa"
    gallery: str | None = None
    gallery_splits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _BuilderChoices:
    """What cvgeo decides about the configs of one builder (everything else comes from the builder)."""

    coordinates: str | None = None
    eval_split: Callable[[object], str] = lambda config: "test"
    is_gallery: Callable[[object], bool] = lambda config: False
    protocol: Callable[[object], str] = lambda config: "cvusa"
    # config -> (gallery config name, ((query split, gallery split expression), ...)), or None when
    # the config's references are its own aerial images.
    gallery: Callable[[object], tuple[str, tuple[tuple[str, str], ...]] | None] | None = None


def _vigor_gallery(config) -> tuple[str, tuple[tuple[str, str], ...]]:
    """vigor/satellite, split by the cities of each query split (VIGOR's dataloader)."""
    from tfds_builders.vigor.vigor_dataset_builder import reference_split

    return "satellite", tuple((split, reference_split(config.area, split)) for split in ("train", "test"))


def _synthetic_gallery(config) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The VIGOR-style configs' tiles (`<config>_satellite`, one city a split) and the CrossLocate-style
    configs' renders (`<config>_database`), split for split."""
    suffix = {"vigor": "_satellite", "crosslocate": "_database"}.get(config.kind)
    if suffix is None:
        return None
    return f"{config.name}{suffix}", (("train", "train"), ("test", "test"))


def _crosslocate_gallery(config) -> tuple[str, tuple[tuple[str, str], ...]]:
    """crosslocate/<description>_database, split for split (a split's indices never cross splits)."""
    from tfds_builders.crosslocate.crosslocate_dataset_builder import SPLITS

    return f"{config.name}_database", tuple((split, split) for split in SPLITS)


_BUILDERS: dict[str, _BuilderChoices] = {
    # synthetic_crossview/*vigor*_satellite and *crosslocate*_database hold the references of the
    # VIGOR- and CrossLocate-style synthetic configs.
    "synthetic_crossview": _BuilderChoices(
        coordinates="xy", is_gallery=lambda config: config.kind in ("vigor_satellite", "crosslocate_database"),
        protocol=lambda config: config.kind if config.kind in ("vigor", "crosslocate") else "cvusa",
        gallery=_synthetic_gallery,
    ),
    "cvusa": _BuilderChoices(),
    # cvact/raw and /polar always hold train and val (CVACT_val) and hold test only when ANU_data_test
    # is present, so they evaluate on val; cvact/test and /test_polar hold test alone.
    "cvact": _BuilderChoices(coordinates="utm", eval_split=lambda config: "test" if "test" in config.splits else "val"),
    # vigor/satellite is the reference gallery of the query configs, split
    # tfds_builders.vigor.vigor_dataset_builder.reference_split(area, split).
    "vigor": _BuilderChoices(
        is_gallery=lambda config: config.area is None, protocol=lambda config: "vigor", gallery=_vigor_gallery
    ),
    "vo_hays": _BuilderChoices(),
    # crosslocate/<description>_database holds the database views of crosslocate/<description>.
    "crosslocate": _BuilderChoices(
        coordinates="utm", is_gallery=lambda config: config.role == "database", protocol=lambda config: "crosslocate",
        gallery=_crosslocate_gallery,
    ),
}


class DatasetError(CvgeoError):
    """A dataset cannot be opened: unknown name, missing folder or files. The message says what to do."""


@functools.cache
def dataset_specs() -> dict[str, DatasetSpec]:
    """Every dataset by cvgeo name, read from the registered TFDS builders (imports them: TensorFlow)."""
    import tensorflow_datasets as tfds

    import tfds_builders  # noqa: F401  (registers cvgeo's builders with TFDS)

    specs = {}
    for builder_name, choices in _BUILDERS.items():
        builder = tfds.builder_cls(builder_name)
        instructions = (builder.MANUAL_DOWNLOAD_INSTRUCTIONS or "").strip()
        for config in builder.BUILDER_CONFIGS or [None]:
            if config is not None and choices.is_gallery(config):
                continue
            plain = config is None or config.name in PLAIN_CONFIGS
            name = builder_name if plain else f"{builder_name}_{config.name}"
            gallery, gallery_splits = (choices.gallery and choices.gallery(config)) or (None, ())
            specs[name] = DatasetSpec(
                tfds_name=builder_name if config is None else f"{builder_name}/{config.name}",
                train_split="train", eval_split=choices.eval_split(config), coordinates=choices.coordinates,
                manual=bool(instructions), instructions=instructions, protocol=choices.protocol(config),
                gallery=gallery and f"{builder_name}/{gallery}", gallery_splits=gallery_splits,
            )
    return specs


def dataset_spec(name: str) -> DatasetSpec:
    """The registry entry for `name`, or DatasetError listing the valid names.

    `name` may select another TFDS config of the same builder with a suffix, e.g.
    "synthetic_crossview/tiny"; the entry then points at that config.
    """
    specs = dataset_specs()
    base, _, config = name.partition("/")
    if base not in specs:
        raise DatasetError(f"unknown dataset {name!r}; available datasets: {', '.join(sorted(specs))}")
    if config and f"{base}_{config}" in specs:  # a config that is a dataset of its own
        return specs[f"{base}_{config}"]
    spec = specs[base]
    if config:
        spec = dataclasses.replace(spec, tfds_name=f"{spec.tfds_name.partition('/')[0]}/{config}")
    return spec


def load_split(
    name: str,
    split: str,
    *,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    skip_corrupt: bool = False,
) -> tf.data.Dataset:
    """Examples of `split` of dataset `name`, preparing the TFDS records on first use.

    Args:
      name: a cvgeo dataset name (see `dataset_specs`).
      split: e.g. "train", "test".
      data_dir: folder holding the original files of a manually downloaded dataset.
      tfds_dir: where prepared TFDS records are kept (TFDS' default when None).
      skip_corrupt: leave out examples whose images do not decode, instead of failing.
    """
    spec = dataset_spec(name)
    builder = _prepared_builder(name, spec.tfds_name, split, spec, data_dir=data_dir, tfds_dir=tfds_dir, skip_corrupt=skip_corrupt)
    return builder.as_dataset(split=split, shuffle_files=False)


def load_indexed_split(
    name: str,
    split: str,
    *,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    skip_corrupt: bool = False,
) -> IndexedSplit:
    """`split` of dataset `name` with random access by example position (arguments as `load_split`)."""
    if "+" in split or "[" in split:
        raise DatasetError(f"dataset {name!r}: random access needs one whole split, not {split!r}")
    spec = dataset_spec(name)
    builder = _prepared_builder(name, spec.tfds_name, split, spec, data_dir=data_dir, tfds_dir=tfds_dir, skip_corrupt=skip_corrupt)
    return IndexedSplit(builder, split)


def load_gallery(
    name: str,
    split: str,
    *,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    skip_corrupt: bool = False,
) -> tf.data.Dataset:
    """The references that the queries of `split` of dataset `name` are ranked against (its
    `DatasetSpec.gallery`), in the order their indices count, e.g. VIGOR cross_area test: the
    satellite tiles of San Francisco then Chicago. Arguments as `load_split`."""
    spec = dataset_spec(name)
    if spec.gallery is None:
        raise DatasetError(f"dataset {name!r} has no gallery: its references are the aerial images of its pairs")
    splits = dict(spec.gallery_splits)
    if split not in splits:
        raise DatasetError(f"dataset {name!r} has no gallery for split {split!r}; splits: {', '.join(splits)}")
    builder = _prepared_builder(
        name, spec.gallery, splits[split], spec, data_dir=data_dir, tfds_dir=tfds_dir, skip_corrupt=skip_corrupt
    )
    return builder.as_dataset(split=splits[split], shuffle_files=False)


def _prepared_builder(
    name: str, tfds_name: str, split: str, spec: DatasetSpec, *, data_dir, tfds_dir, skip_corrupt
) -> tfds.core.DatasetBuilder:
    """The builder of `tfds_name`, prepared on first use, once `split` (a TFDS split expression such
    as "a+b") is known to be among its splits."""
    import tensorflow_datasets as tfds

    from tfds_builders.manual_layout import ManualLayoutError

    download_config = None
    builder_kwargs = {"skip_corrupt": skip_corrupt} if spec.manual else {}
    try:
        builder = tfds.builder(tfds_name, data_dir=tfds_dir, **builder_kwargs)
    except (tfds.core.registered.DatasetNotFoundError, ValueError) as error:
        raise DatasetError(f"dataset {name!r}: {error}") from None
    if spec.manual and not builder.is_prepared():
        if not data_dir or not os.path.isdir(data_dir):
            looked = f"--data_dir {data_dir} is not a folder" if data_dir else "no --data_dir was given"
            raise DatasetError(
                f"dataset {name!r} is not prepared in {builder.data_dir} and {looked}: pass the folder "
                f"holding its original files.\n{spec.instructions}"
            )
        download_config = tfds.download.DownloadConfig(manual_dir=data_dir)
    try:
        builder.download_and_prepare(download_config=download_config)
    except ManualLayoutError as error:
        raise DatasetError(str(error)) from None
    missing = [part for part in split.split("+") if part not in builder.info.splits]
    if missing:
        raise DatasetError(
            f"dataset {name!r} has no split {missing[0]!r}; splits: {', '.join(sorted(builder.info.splits))}"
        )
    return builder
