from tfds_builders.cvusa import cvusa_dataset_builder  # noqa: F401
