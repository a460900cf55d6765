"""ImageNet ResNet-34 from torchvision's state dict (.npz with torchvision keys), checked by a NumPy forward."""

import importlib.util

import keras
import numpy as np
import pytest

import torchvision_resnet34 as original

from cvgeo.checkpoints import WeightsFileError, load_imagenet_resnet34
from cvgeo.layers.resnet import resnet34_classifier, resnet34_features

# Even and odd sizes at every stage (40x58 -> 20x29 -> 10x15 -> 5x8 -> 3x4 -> 2x2), so any
# asymmetric ("same"-style) padding of a stride-2 layer would shift the result.
SIZE = (40, 58)


def assert_close(actual, expected):
    """float32 against float64 through up to 34 layers: errors scale with the largest activation."""
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=2e-5 * np.abs(expected).max())


def save_npz(path, state):
    np.savez(path, **state)
    return path


def test_full_network_matches_torchvision_forward(tmp_path):
    state = original.seeded_state_dict(seed=1, classes=10)
    path = save_npz(tmp_path / "resnet34.npz", state)
    model = resnet34_classifier(SIZE, classes=10)
    assert load_imagenet_resnet34(model, path) == ["resnet34"]
    images = np.random.default_rng(2).normal(size=(2, *SIZE, 3)).astype(np.float32)
    assert_close(model(images, training=False).numpy(), original.forward(images, state))
    np.testing.assert_array_equal(
        model.get_layer("resnet34_layer2_0_downsample_0").kernel.numpy(),
        state["layer2.0.downsample.0.weight"].transpose(2, 3, 1, 0),
    )
    np.testing.assert_array_equal(
        model.get_layer("resnet34_layer3_5_bn2").moving_variance.numpy(), state["layer3.5.bn2.running_var"]
    )


def test_truncated_stacks_loaded_and_nothing_else_touched(tmp_path):
    state = original.seeded_state_dict(seed=3)
    path = save_npz(tmp_path / "resnet34.npz", state)
    inputs = keras.Input((*SIZE, 3))
    outputs = [resnet34_features(inputs, prefix, stages=3, maxpool=False) for prefix in ("resnet_grd", "resnet_sat")]
    head = keras.layers.Dense(4, name="other")(outputs[0])
    model = keras.Model(inputs, [*outputs, head])
    other_before = model.get_layer("other").kernel.numpy()
    assert load_imagenet_resnet34(model, path) == ["resnet_grd", "resnet_sat"]
    images = np.random.default_rng(4).normal(size=(1, *SIZE, 3)).astype(np.float32)
    expected = original.forward(images, state, stages=3, maxpool=False, head=False)  # Toker's extract2
    grd, sat, _ = model(images, training=False)
    assert grd.shape == (1, 5, 8, 256)
    assert_close(grd.numpy(), expected)
    assert_close(sat.numpy(), expected)
    np.testing.assert_array_equal(model.get_layer("other").kernel.numpy(), other_before)


def test_mismatched_files_load_nothing(tmp_path):
    model = resnet34_classifier(SIZE, classes=10)
    before = [v.numpy() for v in model.weights]
    state = original.seeded_state_dict(classes=10)
    del state["layer3.4.bn1.running_mean"]
    with pytest.raises(WeightsFileError, match=r"missing: layer3\.4\.bn1\.running_mean"):
        load_imagenet_resnet34(model, save_npz(tmp_path / "missing.npz", state))
    state = original.seeded_state_dict(classes=1000)  # an ImageNet fc into a 10-class head
    with pytest.raises(WeightsFileError, match=r"mis-shaped: fc\.weight \[1000, 512\]"):
        load_imagenet_resnet34(model, save_npz(tmp_path / "fc.npz", state))
    for variable, value in zip(model.weights, before):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_bad_paths_and_models(tmp_path):
    model = resnet34_classifier(SIZE, classes=10)
    with pytest.raises(WeightsFileError, match="no such file"):
        load_imagenet_resnet34(model, tmp_path / "absent.npz")
    (tmp_path / "resnet34.h5").write_bytes(b"")
    with pytest.raises(WeightsFileError, match=r"\.npz or \.pth"):
        load_imagenet_resnet34(model, tmp_path / "resnet34.h5")
    inputs = keras.Input((8, 8, 3))
    no_resnet = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="x_conv1")(inputs), name="plain")
    with pytest.raises(WeightsFileError, match="no ResNet-34"):
        load_imagenet_resnet34(no_resnet, save_npz(tmp_path / "r.npz", original.seeded_state_dict()))


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
def test_pth_without_torch_says_how_to_convert(tmp_path):
    (tmp_path / "resnet34-b627a593.pth").write_bytes(b"\x80")
    with pytest.raises(WeightsFileError, match="needs torch.*numpy.savez"):
        load_imagenet_resnet34(resnet34_classifier(SIZE, classes=10), tmp_path / "resnet34-b627a593.pth")


def test_both_branches_of_the_stn_model(tmp_path):
    from cvgeo.models import build

    state = original.seeded_state_dict(seed=5)
    model = build("safa_stn_tps", query_shape=(32, 64), reference_shape=(64, 64), transform_shape=(56, 64))
    untouched = {v.path: v.numpy() for v in model.weights if not v.path.startswith("resnet_")}
    assert load_imagenet_resnet34(model, save_npz(tmp_path / "resnet34.npz", state)) == ["resnet_grd", "resnet_sat"]
    expected = state["layer1.2.conv2.weight"].transpose(2, 3, 1, 0)
    for branch in ("grd", "sat"):
        np.testing.assert_array_equal(model.get_layer(f"resnet_{branch}_layer1_2_conv2").kernel.numpy(), expected)
    for variable in model.weights:
        if variable.path in untouched:
            np.testing.assert_array_equal(variable.numpy(), untouched[variable.path])
