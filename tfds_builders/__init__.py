from tfds_builders.vigor import vigor_dataset_builder  # noqa: F401
from tfds_builders.crosslocate import crosslocate_dataset_builder  # noqa: F401
from tfds_builders.vo_hays import vo_hays_dataset_builder  # noqa: F401
