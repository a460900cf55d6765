import cv2
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.data.augmentation import draw_aerial_augmentation, draw_ground_shift
from cvgeo.data.pair_inputs import PairInputOptions, map_pair_inputs, pair_inputs
from cvgeo.geometry.polar_transform import polar_transform


def _example(ground_shape, aerial_size, seed=0, **extra):
    rng = np.random.default_rng(seed)
    return {
        "ground": tf.constant(rng.integers(0, 256, (*ground_shape, 3), dtype=np.uint8)),
        "aerial": tf.constant(rng.integers(0, 256, (aerial_size, aerial_size, 3), dtype=np.uint8)),
        "id": tf.constant("0000001"),
        **extra,
    }


def _close_to_opencv(got, expected):
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() <= 1 and (got != expected).mean() < 1e-3


def test_cvm_net_on_cvusa():
    example = _example((224, 1232), 750)
    inputs = pair_inputs(example, PairInputOptions((224, 1232), (512, 512)))
    np.testing.assert_array_equal(inputs["query"].numpy(), example["ground"].numpy().astype(np.float32))
    expected = cv2.resize(example["aerial"].numpy(), (512, 512), interpolation=cv2.INTER_AREA)
    _close_to_opencv(inputs["reference"].numpy(), expected)
    assert inputs["id"].numpy() == b"0000001"


def test_safa_on_cvusa_polar_on_the_fly_and_stored():
    example = _example((224, 1232), 750, seed=1)
    options = PairInputOptions((112, 616), (112, 616), reference_feature="polar")
    inputs = pair_inputs(example, options)
    np.testing.assert_array_equal(
        inputs["query"].numpy(), cv2.resize(example["ground"].numpy(), (616, 112), interpolation=cv2.INTER_AREA)
    )
    expected_polar = polar_transform(example["aerial"].numpy())
    assert np.abs(inputs["reference"].numpy() - expected_polar).max() < 1e-3
    stored = pair_inputs({**example, "polar": tf.constant(expected_polar, tf.float32)}, options)
    np.testing.assert_allclose(stored["reference"].numpy(), expected_polar, atol=1e-4)
    with pytest.raises(ValueError, match="polar images are"):
        pair_inputs({**example, "polar": tf.zeros((56, 308, 3))}, options)


def test_cvact_ground_crop_resized_and_utm_carried():
    example = _example((416, 1664), 1200, seed=2, utm=tf.constant([1.5, 2.5], tf.float64))
    inputs = pair_inputs(example, PairInputOptions((224, 1232), (512, 512)))
    _close_to_opencv(inputs["query"].numpy(), cv2.resize(example["ground"].numpy(), (1232, 224), interpolation=cv2.INTER_AREA))
    _close_to_opencv(inputs["reference"].numpy(), cv2.resize(example["aerial"].numpy(), (512, 512), interpolation=cv2.INTER_AREA))
    np.testing.assert_array_equal(inputs["utm"].numpy(), [1.5, 2.5])


def test_ori_cnn_augmentations_follow_the_drawn_parameters():
    # Scaled down: 60x300 panorama, 75x75 tile -> 40x40.
    example = _example((60, 300), 75, seed=3)
    options = PairInputOptions((60, 300), (40, 40), aerial_crop_rotate=True, ground_shift=True)
    seed = tf.constant([11, 22], tf.int64)
    inputs = pair_inputs(example, options, seed)
    ground_seed, reference_seed = tf.unstack(tf.random.split(seed, 2))
    shift = int(draw_ground_shift(ground_seed, 300))
    np.testing.assert_array_equal(inputs["query"].numpy(), np.roll(example["ground"].numpy(), -shift, axis=1))
    crop, turns = draw_aerial_augmentation(reference_seed, 75)
    start = int((75 - int(crop)) / 2)
    tile = example["aerial"].numpy()
    source = tile[start : start + int(crop), start : start + int(crop)] if int(crop) > 40 else tile
    resized = cv2.resize(source, (40, 40), interpolation=cv2.INTER_AREA)
    # Rotation about (S/2, S/2) as the originals' warpAffine.
    expected = cv2.warpAffine(resized, cv2.getRotationMatrix2D((20, 20), 90 * int(turns), 1), (40, 40))
    _close_to_opencv(inputs["reference"].numpy(), expected.astype(np.float32))
    repeat = pair_inputs(example, options, seed)
    np.testing.assert_array_equal(repeat["reference"].numpy(), inputs["reference"].numpy())


@pytest.mark.parametrize("seed", [[11, 22], [5, 6], [0, 1]])
def test_ori_cnn_orientation_channels_move_with_the_augmented_pixels(seed):
    """OriCNN's loaders crop, resize, turn and shift the orientation maps with the image (spec B.4):
    the same draws applied to the maps computed at the source size, without rounding."""
    from cvgeo.geometry.orientation_maps import aerial_orientation_map, ground_orientation_map

    example = _example((60, 300), 75, seed=3)
    options = PairInputOptions((30, 150), (40, 40), aerial_crop_rotate=True, ground_shift=True, orientation_channels=True)
    seed = tf.constant(seed, tf.int64)
    inputs = pair_inputs(example, options, seed)
    plain = pair_inputs(example, PairInputOptions((30, 150), (40, 40), aerial_crop_rotate=True, ground_shift=True), seed)
    assert inputs["query"].shape == (30, 150, 5) and inputs["reference"].shape == (40, 40, 5)
    np.testing.assert_array_equal(inputs["query"].numpy()[..., :3], plain["query"].numpy())
    np.testing.assert_array_equal(inputs["reference"].numpy()[..., :3], plain["reference"].numpy())

    ground_seed, reference_seed = tf.unstack(tf.random.split(seed, 2))
    shift = int(draw_ground_shift(ground_seed, 300))
    shifted = np.roll(ground_orientation_map(60, 300), -shift, axis=1)
    np.testing.assert_allclose(inputs["query"].numpy()[..., 3:], cv2.resize(shifted, (150, 30), interpolation=cv2.INTER_AREA), atol=1e-5)

    crop, turns = (int(v) for v in draw_aerial_augmentation(reference_seed, 75))
    start = (75 - crop) // 2
    maps = aerial_orientation_map(75)
    source = maps[start : start + crop, start : start + crop] if crop > 40 else maps
    resized = cv2.resize(source, (40, 40), interpolation=cv2.INTER_AREA)
    expected = cv2.warpAffine(resized, cv2.getRotationMatrix2D((20, 20), 90 * turns, 1), (40, 40))
    np.testing.assert_allclose(inputs["reference"].numpy()[..., 3:], expected, atol=2e-4)


def test_map_over_dataset_is_seeded_and_ordered():
    examples = [_example((30, 150), 75, seed=s) for s in range(4)]
    dataset = tf.data.Dataset.from_tensor_slices({k: tf.stack([e[k] for e in examples]) for k in examples[0]})
    options = PairInputOptions((30, 150), (40, 40), aerial_crop_rotate=True, ground_shift=True)
    first = [x["query"].numpy() for x in map_pair_inputs(dataset, options, seed=5)]
    second = [x["query"].numpy() for x in map_pair_inputs(dataset, options, seed=5)]
    other = [x["query"].numpy() for x in map_pair_inputs(dataset, options, seed=6)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))
    plain = list(map_pair_inputs(dataset, PairInputOptions((30, 150), (40, 40))))
    assert [x["id"].numpy() for x in plain] == [b"0000001"] * 4
    with pytest.raises(ValueError, match="seed"):
        map_pair_inputs(dataset, options)


def test_option_validation():
    with pytest.raises(ValueError, match="orientation_channels applies to the 'aerial' reference only"):
        PairInputOptions((1, 1), (1, 1), reference_feature="polar", orientation_channels=True)
    with pytest.raises(ValueError, match="reference_feature"):
        PairInputOptions((1, 1), (1, 1), reference_feature="bev")
    with pytest.raises(ValueError, match="'aerial' reference only"):
        PairInputOptions((1, 1), (1, 1), reference_feature="polar", aerial_crop_rotate=True)


def test_safa_png_stretch_matches_bytescale_formula():
    example = _example((224, 1232), 750, seed=4)
    options = PairInputOptions((112, 616), (112, 616), reference_feature="polar", polar_png_stretch=True)
    got = pair_inputs(example, options)["reference"].numpy()
    polar = polar_transform(example["aerial"].numpy())
    # scipy.misc.bytescale: (x - min) * 255 / (max - min) over the whole image, clipped, + 0.5, to uint8.
    expected = ((polar - polar.min()) * (255.0 / (polar.max() - polar.min())) + 0.5).astype(np.uint8)
    assert got.min() == 0 and got.max() == 255
    # float32 on-the-fly polar vs float64: only values within ~1e-4 of a rounding boundary may differ.
    assert np.abs(got - expected).max() <= 1 and (got != expected).mean() < 1e-3
    with pytest.raises(ValueError, match="'polar' reference only"):
        PairInputOptions((1, 1), (1, 1), polar_png_stretch=True)


def test_toker_ground_uses_opencv_cubic():
    example = _example((224, 1232), 750, seed=5)
    options = PairInputOptions((112, 616), (112, 616), reference_feature="polar", ground_interpolation="cubic")
    np.testing.assert_array_equal(
        pair_inputs(example, options)["query"].numpy(),
        cv2.resize(example["ground"].numpy(), (616, 112), interpolation=cv2.INTER_CUBIC),
    )
