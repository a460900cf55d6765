"""TFDS conformance of the Vo & Hays builder on dummy_data/ (list files and tiny images)."""

import pytest
import tensorflow_datasets as tfds

from tfds_builders.vo_hays import vo_hays_dataset_builder

# tfds.testing imports dill, which tensorflow-datasets does not declare (project "tests" extra).
pytest.importorskip("dill", reason="tfds.testing needs dill")


class VoHaysTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = vo_hays_dataset_builder.Builder
    SPLITS = {"train": 4, "val": 2, "test": 4}


if __name__ == "__main__":
    tfds.testing.test_main()
