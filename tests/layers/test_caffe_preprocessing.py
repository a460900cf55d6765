import numpy as np

from cvgeo.layers.caffe_preprocessing import CaffePreprocessing
from tests.layer_test_helper import run_layer_test


def test_rgb_uint8_becomes_bgr_minus_original_means():
    rgb = np.array([[[[10, 20, 30]]]], np.uint8)
    bgr = run_layer_test(CaffePreprocessing, {}, rgb, (1, 1, 1, 3)).output
    np.testing.assert_allclose(bgr[0, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.6], rtol=0, atol=1e-5)


def test_float_images_and_other_means():
    rgb = np.random.default_rng(0).integers(0, 256, (2, 4, 5, 3)).astype(np.float32)
    bgr = run_layer_test(CaffePreprocessing, {"bgr_means": (1.0, 2.0, 3.0)}, rgb, (2, 4, 5, 3)).output
    np.testing.assert_array_equal(bgr, rgb[..., ::-1] - np.array([1.0, 2.0, 3.0], np.float32))
