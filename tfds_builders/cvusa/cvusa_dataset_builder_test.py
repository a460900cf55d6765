"""TFDS' standard builder test on the dummy CVUSA folder (original layout, tiny images)."""

import pytest
import tensorflow_datasets as tfds

pytest.importorskip("dill", reason="tensorflow_datasets.testing imports dill (test extra)")

from tfds_builders.cvusa import cvusa_dataset_builder


class CvusaTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = cvusa_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["raw", "polar", "polar_toker"]
    SPLITS = {"train": 3, "test": 2}
    SKIP_CHECKSUMS = True


if __name__ == "__main__":
    tfds.testing.test_main()
