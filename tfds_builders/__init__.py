"""cvgeo's TFDS builders; importing this package registers them with TFDS."""

from tfds_builders.cvact import cvact_dataset_builder  # noqa: F401
from tfds_builders.cvusa import cvusa_dataset_builder  # noqa: F401
from tfds_builders.synthetic_crossview import synthetic_crossview_dataset_builder  # noqa: F401
from tfds_builders.vigor import vigor_dataset_builder  # noqa: F401
from tfds_builders.crosslocate import crosslocate_dataset_builder  # noqa: F401
from tfds_builders.vo_hays import vo_hays_dataset_builder  # noqa: F401
