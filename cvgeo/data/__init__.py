"""tf.data input pipelines: dataset -> model inputs."""

from cvgeo.data.datasets import DatasetError, DatasetSpec, dataset_spec, dataset_specs, load_gallery, load_indexed_split, load_split

__all__ = ["DatasetError", "DatasetSpec", "dataset_spec", "dataset_specs", "load_gallery", "load_indexed_split", "load_split"]
