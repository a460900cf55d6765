"""ResNet-34 (torchvision's architecture): parameter counts, truncation, output sizes, names, graph vs eager."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.layers.resnet import resnet34_classifier, resnet34_features


def trainable_count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


def basic_block_params(cin, cout, stride):
    params = 9 * cin * cout + 9 * cout * cout + 2 * 2 * cout  # two 3x3 convs (no bias), two BNs
    if stride != 1 or cin != cout:
        params += cin * cout + 2 * cout  # 1x1 downsample conv + BN
    return params


def stage_params(cin, cout, blocks, stride):
    return basic_block_params(cin, cout, stride) + (blocks - 1) * basic_block_params(cout, cout, 1)


STEM = 7 * 7 * 3 * 64 + 2 * 64
# Toker's truncation: stem (without maxpool) + layer1..layer3.
TRUNCATED = STEM + stage_params(64, 64, 3, 1) + stage_params(64, 128, 4, 2) + stage_params(128, 256, 6, 2)


def test_full_network_has_torchvisions_parameter_count():
    model = resnet34_classifier()
    # torchvision.models.resnet34(): 21,797,672 parameters (buffers such as running_var excluded).
    assert trainable_count(model) == 21_797_672
    assert TRUNCATED + stage_params(256, 512, 3, 2) + 512 * 1000 + 1000 == 21_797_672
    assert model.output.shape == (None, 1000)
    bn = model.get_layer("resnet34_layer4_2_bn2")
    assert (bn.momentum, bn.epsilon) == (0.9, 1e-5)  # PyTorch's momentum 0.1 and eps 1e-5
    assert model.get_layer("resnet34_layer4_0_downsample_0").strides == (2, 2)


@pytest.mark.parametrize("size, expected", [((112, 616), (14, 77)), ((56, 64), (7, 8)), ((57, 63), (8, 8))])
def test_toker_truncation_output_stride_8(size, expected):
    inputs = keras.Input((*size, 3))
    model = keras.Model(inputs, resnet34_features(inputs, "resnet_grd", stages=3, maxpool=False))
    assert trainable_count(model) == TRUNCATED == 8_170_304
    assert model.output.shape == (None, *expected, 256)
    names = {layer.name for layer in model.layers}
    assert "resnet_grd_maxpool" not in names and not any("layer4" in n for n in names)
    assert {"resnet_grd_conv1", "resnet_grd_layer3_5_bn2", "resnet_grd_layer2_0_downsample_1"} <= names


def test_output_size_is_pytorch_arithmetic():
    # floor((n + 2p - k) / s) + 1 for conv1 (7, 2, 3), maxpool (3, 2, 1), each stride-2 3x3 (p 1).
    def out(n, k, s, p):
        return (n + 2 * p - k) // s + 1

    size = 50
    expected = out(out(size, 7, 2, 3), 3, 2, 1)
    for _ in range(3):
        expected = out(expected, 3, 2, 1)
    inputs = keras.Input((size, size, 3))
    assert resnet34_features(inputs, "r").shape == (None, expected, expected, 512)


def test_graph_matches_eager():
    inputs = keras.Input((24, 40, 3))
    model = keras.Model(inputs, resnet34_features(inputs, "r", stages=2))
    images = np.random.default_rng(0).normal(size=(2, 24, 40, 3)).astype(np.float32)
    for training in (False, True):
        eager = model(images, training=training).numpy()
        graph = tf.function(lambda x: model(x, training=training))(images).numpy()
        np.testing.assert_allclose(graph, eager, rtol=1e-5, atol=1e-5)


def test_rejects_stage_count():
    with pytest.raises(ValueError, match="stages"):
        resnet34_features(keras.Input((32, 32, 3)), "r", stages=5)
