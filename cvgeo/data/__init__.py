"""tf.data input pipelines: dataset -> model inputs."""

from cvgeo.data.datasets import DATASETS, DatasetError, DatasetSpec, dataset_spec, load_split

__all__ = ["DATASETS", "DatasetError", "DatasetSpec", "dataset_spec", "load_split"]
