from tfds_builders.vigor import vigor_dataset_builder  # noqa: F401
from tfds_builders.crosslocate import crosslocate_dataset_builder  # noqa: F401
