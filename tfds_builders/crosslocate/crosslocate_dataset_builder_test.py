"""TFDS conformance of the CrossLocate builder on dummy_data/ (the original layout, tiny images)."""

import pytest
import tensorflow_datasets as tfds

from tfds_builders.crosslocate import crosslocate_dataset_builder

# tfds.testing imports dill, which tensorflow-datasets does not declare (project "tests" extra).
pytest.importorskip("dill", reason="tfds.testing needs dill")


class CrossLocateQueriesTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = crosslocate_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["sparse_segments", "sparse_original_to_depth", "uniform_photos_to_segments"]
    SPLITS = {"train": 2, "val": 2, "test": 2}  # 2 query locations per split


class CrossLocateDatabaseTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = crosslocate_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = [
        "sparse_segments_database", "sparse_original_to_depth_database", "uniform_photos_to_segments_database",
    ]
    SPLITS = {"train": 6, "val": 6, "test": 6}  # 2 locations x 3 views


if __name__ == "__main__":
    tfds.testing.test_main()
