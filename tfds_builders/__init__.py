from tfds_builders.cvusa import cvusa_dataset_builder  # noqa: F401
from tfds_builders.cvact import cvact_dataset_builder  # noqa: F401
