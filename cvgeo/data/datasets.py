"""The one table of datasets cvgeo trains and evaluates on, and how to open a split of each."""

import dataclasses
from dataclasses import dataclass
import os

import tensorflow as tf

from cvgeo.errors import CvgeoError


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset as the CLIs see it.

    Attributes:
      tfds_name: TFDS builder and config, e.g. "cvusa/raw".
      train_split / eval_split: default splits for training and evaluation.
      coordinates: feature holding planar positions in metres ("xy", "utm"), or None.
      manual: whether the original files must be downloaded by hand (then `data_dir` is required).
      source: where the files come from, for error messages.
    """

    tfds_name: str
    train_split: str
    eval_split: str
    coordinates: str | None
    manual: bool
    source: str


# Where each manually downloaded dataset comes from (shown in error messages).
CVUSA_SOURCE = "CVUSA, requested from its authors at https://mvrl.cse.wustl.edu/datasets/cvusa/"
CVACT_SOURCE = "CVACT, requested from its authors by e-mail, see https://github.com/Liumouliu/OriCNN"
CVACT_TEST_SOURCE = "CVACT_test, requested from its authors by e-mail, see https://github.com/Liumouliu/OriCNN"
VIGOR_SOURCE = "https://github.com/Jeff-Zilence/VIGOR (access by questionnaire)"

DATASETS: dict[str, DatasetSpec] = {
    "synthetic_crossview": DatasetSpec(
        "synthetic_crossview", "train", "test", "xy", manual=False,
        source="generated procedurally by cvgeo, no download",
    ),
    "cvusa": DatasetSpec(
        "cvusa/raw", "train", "test", None, manual=True,
        source=CVUSA_SOURCE,
    ),
    "cvusa_polar": DatasetSpec(
        "cvusa/polar", "train", "test", None, manual=True,
        source=CVUSA_SOURCE,
    ),
    "cvusa_polar_toker": DatasetSpec(
        "cvusa/polar_toker", "train", "test", None, manual=True,
        source=CVUSA_SOURCE,
    ),
    # cvact/raw also holds `test` when ANU_data_test is present; cvact/test holds CVACT_test alone
    # (~109 GB) and has no training split.
    "cvact": DatasetSpec(
        "cvact/raw", "train", "val", "utm", manual=True,
        source=CVACT_SOURCE,
    ),
    "cvact_polar": DatasetSpec(
        "cvact/polar", "train", "val", "utm", manual=True,
        source=CVACT_SOURCE,
    ),
    "cvact_test": DatasetSpec(
        "cvact/test", "train", "test", "utm", manual=True,
        source=CVACT_TEST_SOURCE,
    ),
    "cvact_test_polar": DatasetSpec(
        "cvact/test_polar", "train", "test", "utm", manual=True,
        source=CVACT_TEST_SOURCE,
    ),
    # VIGOR queries; the reference gallery is "vigor/satellite", split
    # tfds_builders.vigor.vigor_dataset_builder.reference_split(area, split).
    "vigor_same_area": DatasetSpec(
        "vigor/same_area", "train", "test", None, manual=True,
        source=VIGOR_SOURCE,
    ),
    "vigor_cross_area": DatasetSpec(
        "vigor/cross_area", "train", "test", None, manual=True,
        source=VIGOR_SOURCE,
    ),
    "vo_hays": DatasetSpec(
        "vo_hays", "train", "test", None, manual=True,
        source="the Vo & Hays (ECCV 2016) authors; list files as in tfds_builders/vo_hays/README.md",
    ),
    # CrossLocate queries; each split's database views are "<tfds_name>_database", same split.
    **{
        f"crosslocate_{description}": DatasetSpec(
            f"crosslocate/{description}", "train", "test", "utm", manual=True,
            source="http://cphoto.fit.vutbr.cz/crosslocate/",
        )
        for description in (
            "sparse_segments",
            "sparse_silhouettes",
            "sparse_depth",
            "sparse_original_to_segments",
            "sparse_original_to_silhouettes",
            "sparse_original_to_depth",
            "uniform_photos_to_segments",
            "uniform_photos_to_segments_compact",
            "uniform_photos_to_silhouettes_compact",
            "uniform_photos_to_depth_compact",
        )
    },
}


class DatasetError(CvgeoError):
    """A dataset cannot be opened: unknown name, missing folder or files. The message says what to do."""


def dataset_spec(name: str) -> DatasetSpec:
    """The registry entry for `name`, or DatasetError listing the valid names.

    `name` may select another TFDS config of the same builder with a suffix, e.g.
    "synthetic_crossview/tiny"; the entry then points at that config.
    """
    base, _, config = name.partition("/")
    if base not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; available datasets: {', '.join(sorted(DATASETS))}")
    spec = DATASETS[base]
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
      name: a key of DATASETS.
      split: e.g. "train", "test".
      data_dir: folder holding the original files of a manually downloaded dataset.
      tfds_dir: where prepared TFDS records are kept (TFDS' default when None).
      skip_corrupt: leave out examples whose images do not decode, instead of failing.
    """
    import tensorflow_datasets as tfds

    import tfds_builders  # noqa: F401  (registers cvgeo's builders with TFDS)
    from tfds_builders.manual_layout import ManualLayoutError

    spec = dataset_spec(name)
    download_config = None
    builder_kwargs = {"skip_corrupt": skip_corrupt} if spec.manual else {}
    try:
        builder = tfds.builder(spec.tfds_name, data_dir=tfds_dir, **builder_kwargs)
    except (tfds.core.registered.DatasetNotFoundError, ValueError) as error:
        raise DatasetError(f"dataset {name!r}: {error}") from None
    if spec.manual and not builder.is_prepared():
        if not data_dir or not os.path.isdir(data_dir):
            looked = f"--data_dir {data_dir} is not a folder" if data_dir else "no --data_dir was given"
            raise DatasetError(
                f"dataset {name!r} is not prepared in {builder.data_dir} and {looked}: pass the folder "
                f"holding its original files.\n{getattr(builder, 'MANUAL_DOWNLOAD_INSTRUCTIONS', '').strip()}\n"
                f"The dataset comes from: {spec.source}"
            )
        download_config = tfds.download.DownloadConfig(manual_dir=data_dir)
    try:
        builder.download_and_prepare(download_config=download_config)
    except ManualLayoutError as error:
        raise DatasetError(str(error)) from None
    if split not in builder.info.splits:
        raise DatasetError(
            f"dataset {name!r} has no split {split!r}; splits: {', '.join(sorted(builder.info.splits))}"
        )
    return builder.as_dataset(split=split, shuffle_files=False)
