"""cvgeo's TFDS builders; importing this package registers them with TFDS."""

from tfds_builders.synthetic_crossview import synthetic_crossview_dataset_builder  # noqa: F401
