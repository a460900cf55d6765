"""Realistic's STN: localisation sizes and parameters, identity starts, warp wiring (x/y order), graph vs eager."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.layer_test_helper import run_layer_test

from cvgeo.geometry import affine_grid, grid_sample, tps_target_points
from cvgeo.layers.spatial_transformer import (
    AffineWarp,
    TpsWarp,
    affine_regressor,
    localization_output_shape,
    localization_trunk,
    spatial_transformer,
    tps_regressor,
)


def trainable_count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


# conv7 3->8, conv5 8->10, conv3 10->10 twice, each with bias; four BNs with scale and offset.
TRUNK_PARAMS = (49 * 3 * 8 + 8) + (25 * 8 * 10 + 10) + 2 * (9 * 10 * 10 + 10) + 2 * (8 + 10 + 10 + 10)


@pytest.mark.parametrize("size, flat", [((256, 256), 1690), ((160, 160), 490), ((112, 616), 10 * 4 * 36), ((54, 54), 10)])
def test_localization_sizes_of_spec_4_1(size, flat):
    rows, columns = localization_output_shape(*size)
    assert 10 * rows * columns == flat
    inputs = keras.Input((*size, 3))
    trunk = keras.Model(inputs, localization_trunk(inputs, "stn"))
    assert trunk.output.shape == (None, flat)
    assert trainable_count(trunk) == TRUNK_PARAMS == 5090


def test_too_small_inputs_leave_nothing():
    assert min(localization_output_shape(53, 300)) == 0
    with pytest.raises(ValueError, match="at least 54x54"):
        spatial_transformer(keras.Input((53, 300, 3)), "stn", (32, 64))


def test_flatten_is_channels_first_like_the_original_view():
    inputs = keras.Input((64, 80, 3))
    trunk = keras.Model(inputs, localization_trunk(inputs, "stn"))
    before = keras.Model(inputs, trunk.get_layer("stn_loc_relu4").output)
    images = np.random.default_rng(0).normal(size=(2, 64, 80, 3)).astype(np.float32)
    feature_map = before(images, training=False).numpy()  # [2, 1, 2, 10]
    np.testing.assert_array_equal(
        trunk(images, training=False).numpy(), feature_map.transpose(0, 3, 1, 2).reshape(2, -1)
    )


def test_affine_head_starts_at_the_identity_for_any_input():
    inputs = keras.Input((256, 256, 3))
    model = keras.Model(inputs, affine_regressor(localization_trunk(inputs, "stn"), "stn"))
    assert trainable_count(model) == 5090 + (1690 * 64 + 64) + (64 * 6 + 6) == 113_704
    images = np.random.default_rng(1).normal(size=(2, 256, 256, 3)).astype(np.float32)
    np.testing.assert_array_equal(model(images, training=True).numpy(), [[1, 0, 0, 0, 1, 0]] * 2)


def test_tps_head_starts_at_the_target_points():
    inputs = keras.Input((160, 160, 3))
    model = keras.Model(inputs, tps_regressor(localization_trunk(inputs, "stn"), "stn"))
    assert trainable_count(model) == 5090 + (490 * 512 + 512) + (512 * 120 + 120)
    images = np.random.default_rng(2).normal(size=(2, 160, 160, 3)).astype(np.float32)
    targets = tps_target_points((6, 10), 0.9)
    # (x, y) pairs, y outer and x inner: the first row is y = -0.9, x = -0.9 ... 0.9 in steps of 0.2.
    np.testing.assert_allclose(targets[:10], np.stack([np.linspace(-0.9, 0.9, 10), np.full(10, -0.9)], axis=1), atol=1e-12)
    np.testing.assert_allclose(model(images, training=False).numpy(), np.tile(targets.reshape(1, -1), (2, 1)), atol=1e-7)


def align_corners_true_grid(height, width, shift=(0.0, 0.0)):
    """(x, y) = (2j / (W - 1) - 1, 2i / (H - 1) - 1): where the identity TPS samples (spec 4.2)."""
    y, x = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
    return np.stack([x + shift[0], y + shift[1]], axis=-1)[None].astype(np.float32)


def test_affine_warp_identity_is_exact_and_x_comes_first():
    images = np.random.default_rng(3).normal(size=(2, 6, 9, 4)).astype(np.float32)
    identity = np.tile(np.array([[1, 0, 0, 0, 1, 0]], np.float32), (2, 1))
    np.testing.assert_allclose(run_layer_test(AffineWarp, {"height": 6, "width": 9}, [images, identity], (2, 6, 9, 4)).output, images, atol=1e-6)
    # theta = [[1, 0, 0.25], [0, 1, 0]] samples at x + 0.25: a shift along the width only.
    shifted = identity + np.array([0, 0, 0.25, 0, 0, 0], np.float32)
    grid = affine_grid(identity.reshape(2, 2, 3), 6, 9).numpy() + np.array([0.25, 0.0], np.float32)
    np.testing.assert_allclose(
        AffineWarp(6, 9)([images, shifted]).numpy(), grid_sample(images, grid).numpy(), atol=1e-6
    )


def test_tps_warp_initial_grid_is_the_identity_tps_and_x_comes_first():
    images = np.random.default_rng(4).normal(size=(2, 7, 11, 3)).astype(np.float32)
    targets = tps_target_points((3, 4), 0.8).reshape(1, -1).astype(np.float32)
    warp, identity = run_layer_test(
        TpsWarp, {"height": 7, "width": 11, "grid_shape": (3, 4), "span": 0.8}, [images, np.tile(targets, (2, 1))],
        (2, 7, 11, 3), atol=1e-5, rtol=1e-5,
    )
    expected = grid_sample(images, np.tile(align_corners_true_grid(7, 11), (2, 1, 1, 1))).numpy()
    np.testing.assert_allclose(identity, expected, atol=1e-5)
    # Moving every source point by +0.3 in x is an affine map, which the TPS reproduces exactly.
    moved = (targets.reshape(-1, 2) + np.array([0.3, 0.0], np.float32)).reshape(1, -1)
    expected = grid_sample(images, np.tile(align_corners_true_grid(7, 11, (0.3, 0.0)), (2, 1, 1, 1))).numpy()
    np.testing.assert_allclose(warp([images, np.tile(moved, (2, 1))]).numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["affine", "tps"])
def test_spatial_transformer_output_and_graph(kind):
    inputs = keras.Input((64, 64, 8))
    model = keras.Model(inputs, spatial_transformer(inputs, "stn", (56, 72), kind=kind, grid_shape=(2, 3), span=0.5))
    images = np.random.default_rng(5).normal(size=(2, 64, 64, 8)).astype(np.float32)
    eager = model(images, training=False).numpy()
    assert eager.shape == (2, 56, 72, 8)
    np.testing.assert_allclose(tf.function(lambda t: model(t, training=False))(images).numpy(), eager, atol=1e-5)


def test_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        spatial_transformer(keras.Input((64, 64, 3)), "stn", (32, 32), kind="polar")
