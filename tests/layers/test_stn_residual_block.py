"""Realistic's ResidualBlock: batch norm after the addition, zero-padded or cropped channel shortcut."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.layer_test_helper import run_layer_test

from cvgeo.layers.stn_residual_block import ChannelPadOrCrop, stn_residual_block


@pytest.mark.parametrize("channels", [8, 2])
def test_channel_pad_or_crop(channels):
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    out = run_layer_test(ChannelPadOrCrop, {"channels": channels}, x, (2, 3, 4, channels)).output
    if channels > 5:  # F.pad(x, (0, 0, 0, 0, 0, 3)): zeros appended
        np.testing.assert_array_equal(out, np.concatenate([x, np.zeros((2, 3, 4, 3), np.float32)], axis=-1))
    else:  # a negative pad crops: the first channels stay
        np.testing.assert_array_equal(out, x[..., :2])


def conv3x3(x, kernel, bias):
    """Zero padding 1, stride 1; x [N, H, W, C], kernel HWIO."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    height, width = x.shape[1:3]
    out = np.zeros((*x.shape[:3], kernel.shape[-1])) + bias
    for i in range(3):
        for j in range(3):
            out += padded[:, i : i + height, j : j + width] @ kernel[i, j]
    return out


def batch_norm(x, gamma, beta, mean, variance):
    return (x - mean) / np.sqrt(variance + 1e-5) * gamma + beta


@pytest.mark.parametrize("cin, cout", [(3, 8), (8, 3)])
def test_matches_original_order_of_operations(cin, cout):
    inputs = keras.Input((5, 6, cin))
    model = keras.Model(inputs, stn_residual_block(inputs, cout, "res"))
    rng = np.random.default_rng(1)
    for variable in model.weights:
        low = 0.5 if "variance" in variable.path or "gamma" in variable.path else -1.0
        variable.assign(rng.uniform(low, 1.0, tuple(variable.shape)).astype(np.float32))
    # Two 3x3 convs with bias; two batch norms with gamma, beta, moving mean and moving variance.
    assert model.count_params() == 9 * cin * cout + 9 * cout * cout + 2 * cout + 8 * cout
    weights = {v.path: v.numpy() for v in model.weights}

    def bn(x, name):
        return batch_norm(x, *(weights[f"{name}/{k}"] for k in ("gamma", "beta", "moving_mean", "moving_variance")))

    x = rng.normal(size=(2, 5, 6, cin)).astype(np.float32)
    y = np.maximum(bn(conv3x3(x, weights["res_conv1/kernel"], weights["res_conv1/bias"]), "res_conv1_bn"), 0)
    z = conv3x3(y, weights["res_conv2/kernel"], weights["res_conv2/bias"])
    skip = np.pad(x, ((0, 0), (0, 0), (0, 0), (0, cout - cin))) if cout > cin else x[..., :cout]
    expected = np.maximum(bn(z + skip, "res_conv2_bn"), 0)  # batch norm after the addition
    np.testing.assert_allclose(model(x, training=False).numpy(), expected, rtol=1e-4, atol=1e-4)
    graph = tf.function(lambda t: model(t, training=False))(x).numpy()
    np.testing.assert_allclose(graph, expected, rtol=1e-4, atol=1e-4)
