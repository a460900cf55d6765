"""Builds the `tiny` config into a temporary folder and checks what TFDS stored."""

import numpy as np
import tensorflow_datasets as tfds

import tfds_builders  # noqa: F401  (registers the builder)
from tfds_builders.synthetic_crossview import pair_generator


def _build(data_dir):
    builder = tfds.builder("synthetic_crossview/tiny", data_dir=str(data_dir))
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    return {ex["id"].decode(): ex for ex in tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False))}


def test_tiny_config_splits_shapes_and_determinism(tmp_path):
    builder = _build(tmp_path / "a")
    assert builder.info.splits["train"].num_examples == 6
    assert builder.info.splits["test"].num_examples == 4
    test = _examples(builder, "test")
    assert sorted(test) == [f"test_{i:06d}" for i in range(4)]
    for ex in test.values():
        assert ex["ground"].shape == (16, 64, 3) and ex["ground"].dtype == np.uint8
        assert ex["aerial"].shape == (32, 32, 3) and ex["aerial"].dtype == np.uint8
        assert ex["xy"].shape == (2,) and ex["xy"].dtype == np.float64
        assert ex["yaw"].dtype == np.float32 and ex["yaw"] == 0.0
    # What TFDS stored is exactly what the generator makes (PNG is lossless) ...
    scene = builder.builder_config.scene
    for pair in pair_generator.generate_pairs(scene, "test", 4):
        np.testing.assert_array_equal(test[pair.id]["ground"], pair.ground)
        np.testing.assert_array_equal(test[pair.id]["aerial"], pair.aerial)
        np.testing.assert_array_equal(test[pair.id]["xy"], pair.xy)
    # ... and a second build into another folder stores the same examples.
    again = _examples(_build(tmp_path / "b"), "train")
    first = _examples(builder, "train")
    assert sorted(again) == sorted(first)
    for key, ex in first.items():
        for feature in ("ground", "aerial", "xy", "yaw"):
            np.testing.assert_array_equal(ex[feature], again[key][feature])
