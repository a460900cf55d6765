from tfds_builders.vigor import vigor_dataset_builder  # noqa: F401
