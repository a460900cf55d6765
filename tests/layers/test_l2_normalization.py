import numpy as np
import tensorflow as tf

from cvgeo.layers.l2_normalization import L2Normalization
from tests.layer_test_helper import run_layer_test


def test_unit_rows_and_tf_epsilon_for_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    out = run_layer_test(L2Normalization, {}, x, (2, 2)).output
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)


def test_per_position_over_channels_of_a_map():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    out = run_layer_test(L2Normalization, {"axis": -1}, x, x.shape).output
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), 1.0, rtol=1e-5)


def test_descriptors_stay_float32_under_a_mixed_precision_policy():
    import keras

    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = L2Normalization()
    finally:
        keras.config.set_dtype_policy("float32")
    out = layer(tf.constant([[3.0, 4.0]], tf.bfloat16))
    assert layer.compute_dtype == "float32" and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8]])
