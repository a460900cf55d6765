"""OriCNN's blocks: batch-statistics BN, hypercolumn resize, GeM, input scaling, orientation channels."""

import math

import numpy as np
import scipy.io

from cvgeo.geometry.orientation_maps import aerial_orientation_map, ground_orientation_map
from cvgeo.layers.batch_statistics_normalization import BatchStatisticsNormalization
from cvgeo.layers.generalized_mean_pooling import GeneralizedMeanPooling
from cvgeo.layers.hypercolumn import Hypercolumn
from cvgeo.layers.orientation_channels import OrientationChannels
from cvgeo.layers.signed_bgr_preprocessing import SignedBGRPreprocessing
from tests.layer_test_helper import run_layer_test


def test_batch_statistics_used_in_inference_and_moving_stats_untouched():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(3, 4, 5, 6)).astype(np.float32)
    layer = run_layer_test(BatchStatisticsNormalization, {"epsilon": 1e-5}, x, x.shape, atol=1e-5).layer
    layer.gamma.assign(np.linspace(0.5, 1.5, 6, dtype=np.float32))
    layer.beta.assign(np.linspace(-1, 1, 6, dtype=np.float32))
    layer.moving_mean.assign(np.full(6, 100.0, np.float32))
    expected = (x - x.mean(axis=(0, 1, 2))) / np.sqrt(x.var(axis=(0, 1, 2)) + 1e-5) * layer.gamma.numpy() + layer.beta.numpy()
    for training in (False, True):
        np.testing.assert_allclose(layer(x, training=training).numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 100.0)
    np.testing.assert_array_equal(layer.moving_variance.numpy(), 1.0)


def test_hypercolumn_half_pixel_bilinear_known_answer():
    # 4x4 -> 2x2 with half-pixel centres samples at 0.5 + 2i: the mean of each 2x2 block.
    big = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    small = np.zeros((1, 2, 2, 2), np.float32)
    out = run_layer_test(Hypercolumn, {}, [big, small], (1, 2, 2, 3)).output
    np.testing.assert_allclose(out[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(out[..., 1:], small)


def test_gem_p3_and_clamp():
    x = np.array([[[[1.0, -5.0]], [[2.0, -1.0]]]], np.float32)  # [1, 2, 1, 2]
    out = run_layer_test(GeneralizedMeanPooling, {"p": 3.0, "eps": 1e-6}, x, (1, 2)).output
    np.testing.assert_allclose(out, [[((1 + 8) / 2) ** (1 / 3), 1e-6]], rtol=1e-5)


def test_signed_bgr_scaling():
    rgb = np.array([[[[0, 51, 255]]]], np.uint8)
    out = run_layer_test(SignedBGRPreprocessing, {}, rgb, (1, 1, 1, 3)).output
    np.testing.assert_allclose(out, [[[[1.0, 51 / 255 * 2 - 1, -1.0]]]], rtol=1e-6)


def test_orientation_channels_closed_form_and_mat(tmp_path):
    images = np.random.default_rng(0).uniform(0, 255, (2, 6, 10, 3)).astype(np.float32)
    out = run_layer_test(OrientationChannels, {"branch": "ground"}, images, (2, 6, 10, 5)).output
    np.testing.assert_array_equal(out[..., :3], images)
    np.testing.assert_array_equal(out[1, ..., 3:], ground_orientation_map(6, 10))
    tiles = np.zeros((1, 8, 8, 3), np.float32)
    out = run_layer_test(OrientationChannels, {"branch": "aerial"}, tiles, (1, 8, 8, 5)).output
    np.testing.assert_array_equal(out[0, ..., 3:], aerial_orientation_map(8))
    # A file at twice the input resolution is area-resized (2x2 means), after the /pi scaling.
    fine = np.random.default_rng(1).uniform(-3, 3, (12, 20, 2))
    scipy.io.savemat(tmp_path / "yaw_pitch_grd_X.mat", {"orient_mat": fine})
    mat = {"branch": "ground", "mat_path": str(tmp_path / "yaw_pitch_grd_X.mat")}
    out = run_layer_test(OrientationChannels, mat, images, (2, 6, 10, 5)).output
    expected = fine.reshape(6, 2, 10, 2, 2).mean(axis=(1, 3)) / math.pi
    np.testing.assert_allclose(out[0, ..., 3:], expected, rtol=1e-5, atol=1e-6)
