"""TFDS conformance of the VIGOR builder on dummy_data/ (the original layout, tiny images)."""

import pytest
import tensorflow_datasets as tfds

# tfds.testing imports dill, which tensorflow-datasets does not declare (project "tests" extra).
pytest.importorskip("dill", reason="tfds.testing needs dill")

from tfds_builders.vigor import vigor_dataset_builder


class VigorQueriesTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = vigor_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["same_area", "same_area_corrected"]
    SPLITS = {"train": 8, "test": 8}  # 4 cities x 2 panoramas each


class VigorCrossAreaTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = vigor_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["cross_area", "cross_area_corrected"]
    SPLITS = {"train": 8, "test": 8}  # 2 cities x 4 panoramas each


class VigorSatelliteTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = vigor_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["satellite"]
    SPLITS = {"newyork": 6, "seattle": 6, "sanfrancisco": 6, "chicago": 6}


if __name__ == "__main__":
    tfds.testing.test_main()
