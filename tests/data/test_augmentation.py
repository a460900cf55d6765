import cv2
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.data.augmentation import (
    aerial_crop_resize,
    circular_shift,
    draw_aerial_augmentation,
    draw_ground_shift,
    quarter_turn_like_opencv,
)


@pytest.mark.parametrize("turns", range(5))
def test_quarter_turn_matches_opencv_warp_affine(turns):
    # The originals: cv2.getRotationMatrix2D((256, 256), angle, 1) on a 512x512 tile.
    image = np.random.default_rng(turns).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    expected = cv2.warpAffine(image, cv2.getRotationMatrix2D((256, 256), 90 * turns, 1), (512, 512))
    np.testing.assert_array_equal(quarter_turn_like_opencv(tf.constant(image), tf.constant(turns)).numpy(), expected)


@pytest.mark.parametrize("crop", [60, 73, 40, 20])
def test_crop_resize_matches_opencv(crop):
    # Scaled-down CVM-Net: S=75 tile, output 40 (crop > 40 keeps the centred crop, else the full tile).
    image = np.random.default_rng(crop).integers(0, 256, (75, 75, 3), dtype=np.uint8)
    start = int((75 - crop) / 2)
    source = image[start : start + crop, start : start + crop] if crop > 40 else image
    expected = cv2.resize(source, (40, 40), interpolation=cv2.INTER_AREA)
    got = aerial_crop_resize(tf.constant(image), tf.constant(crop), 40).numpy()
    assert np.abs(got - expected).max() <= 1 and (got != expected).mean() < 1e-3


def test_circular_shift_moves_columns_left():
    image = np.arange(12).reshape(1, 12, 1)
    np.testing.assert_array_equal(circular_shift(tf.constant(image), tf.constant(5)).numpy()[0, :, 0], np.roll(np.arange(12), -5))


def test_draw_ranges_match_the_originals():
    crops, turns, shifts = [], [], []
    for i in range(400):
        crop, turn = draw_aerial_augmentation(tf.constant([i, 7]), 750)
        crops.append(int(crop))
        turns.append(int(turn))
        shifts.append(int(draw_ground_shift(tf.constant([i, 3]), 1232)))
    assert 1 <= min(crops) and max(crops) <= 748 and max(crops) > 700
    assert set(turns) == {0, 1, 2, 3, 4}
    assert 0 <= min(shifts) and max(shifts) <= 1230 and max(shifts) > 1100
    again = draw_aerial_augmentation(tf.constant([5, 7]), 750)
    assert (int(again[0]), int(again[1])) == (crops[5], turns[5])
