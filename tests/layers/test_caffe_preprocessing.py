import numpy as np
import tensorflow as tf

from cvgeo.layers.caffe_preprocessing import CaffePreprocessing


def test_rgb_uint8_becomes_bgr_minus_original_means():
    rgb = np.array([[[[10, 20, 30]]]], np.uint8)
    bgr = CaffePreprocessing()(rgb).numpy()
    np.testing.assert_allclose(bgr[0, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.6], rtol=0, atol=1e-5)


def test_same_result_eagerly_and_inside_dataset_map():
    rgb = np.random.default_rng(0).integers(0, 256, (2, 4, 5, 3)).astype(np.float32)
    layer = CaffePreprocessing()
    mapped = next(iter(tf.data.Dataset.from_tensors(rgb).map(layer))).numpy()
    np.testing.assert_array_equal(layer(rgb).numpy(), mapped)
