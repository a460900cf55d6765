"""TFDS' standard builder test on the dummy CVACT folder (original layout, tiny images)."""

import pytest
import tensorflow_datasets as tfds

pytest.importorskip("dill", reason="tensorflow_datasets.testing imports dill (test extra)")

from tfds_builders.cvact import cvact_dataset_builder


class CvactTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = cvact_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["raw", "polar"]
    SPLITS = {"train": 2, "val": 1, "test": 2}  # test: ANU_data_test/ is present
    SKIP_CHECKSUMS = True


class CvactTestSetTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = cvact_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["test", "test_polar"]
    SPLITS = {"test": 2}
    SKIP_CHECKSUMS = True


if __name__ == "__main__":
    tfds.testing.test_main()
