"""ImageNet VGG16 initialisation from Keras' notop .h5 and CrossLocate's vgg16_weights.npz."""

import h5py
import keras
import numpy as np
import pytest

import original_variables

from cvgeo.checkpoints import load_imagenet_vgg16
from cvgeo.models import build

LAYERS = [layer for layer, _, _ in original_variables.VGG_LAYERS]


@pytest.fixture(scope="module")
def vgg_values():
    rng = np.random.default_rng(11)
    return {
        layer: (rng.normal(size=(3, 3, cin, cout)).astype(np.float32), rng.normal(size=(cout,)).astype(np.float32))
        for layer, cin, cout in original_variables.VGG_LAYERS
    }


@pytest.fixture(scope="module")
def keras2_h5(tmp_path_factory, vgg_values):
    """The layout of Keras' vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (Keras 1/2 HDF5 weights)."""
    path = str(tmp_path_factory.mktemp("imagenet") / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    with h5py.File(path, "w") as handle:
        names = ["input_1"]
        for layer in LAYERS:
            name = f"block{layer[4]}_conv{layer[6]}"
            names.append(name)
            group = handle.create_group(name)
            weight_names = [f"{name}_W_1:0", f"{name}_b_1:0"]
            group.attrs["weight_names"] = np.array([n.encode() for n in weight_names])
            group.create_dataset(weight_names[0], data=vgg_values[layer][0])
            group.create_dataset(weight_names[1], data=vgg_values[layer][1])
            if layer[6] == "2" and layer[4] in "12" or layer[6] == "3":
                names.append(f"block{layer[4]}_pool")
                handle.create_group(f"block{layer[4]}_pool").attrs["weight_names"] = np.array([], dtype="S1")
        handle.attrs["layer_names"] = np.array([n.encode() for n in names])
    return path


@pytest.fixture(scope="module")
def frossard_npz(tmp_path_factory, vgg_values):
    path = str(tmp_path_factory.mktemp("imagenet") / "vgg16_weights.npz")
    arrays = {f"{layer}_{k}": v for layer, (w, b) in vgg_values.items() for k, v in (("W", w), ("b", b))}
    arrays["fc6_W"] = np.zeros((8, 4), np.float32)  # the fc layers are in the file and ignored
    np.savez(path, **arrays)
    return path


def conv(model, name):
    return {v.path.split("/")[0]: v for v in model.weights if v.path.startswith(name + "/") and "kernel" in v.path}[name].numpy()


def bias(model, name):
    return [v.numpy() for v in model.weights if v.path == f"{name}/bias"][0]


@pytest.mark.parametrize("file_fixture, flip_for", [("keras2_h5", "crosslocate"), ("frossard_npz", "safa")])
def test_vgg_stacks_initialised_with_channel_order_handled(request, file_fixture, flip_for, vgg_values):
    path = request.getfixturevalue(file_fixture)
    for model_name, prefixes in (("safa", ["vgg_grd", "vgg_sat"]), ("crosslocate", ["vgg"])):
        model = build(model_name, query_shape=(48, 128), reference_shape=(48, 128))
        spatial_before = [v.numpy() for v in model.weights if v.path.startswith("spatial_")]
        assert load_imagenet_vgg16(model, path) == prefixes
        for prefix in prefixes:
            first = conv(model, f"{prefix}_conv1_1")
            expected = vgg_values["conv1_1"][0][:, :, ::-1] if model_name == flip_for else vgg_values["conv1_1"][0]
            np.testing.assert_array_equal(first, expected)
            np.testing.assert_array_equal(conv(model, f"{prefix}_conv4_2"), vgg_values["conv4_2"][0])
            np.testing.assert_array_equal(bias(model, f"{prefix}_conv5_3"), vgg_values["conv5_3"][1])
        for before, variable in zip(spatial_before, [v for v in model.weights if v.path.startswith("spatial_")]):
            np.testing.assert_array_equal(variable.numpy(), before)  # only the convs are touched


def test_keras3_weights_of_keras_applications_vgg16(tmp_path):
    reference = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "vgg16_notop.weights.h5")
    reference.save_weights(path)
    model = build("cvm_net_i", query_shape=(32, 64), reference_shape=(32, 32), num_clusters=2)
    assert load_imagenet_vgg16(model, path) == ["vgg_grd", "vgg_sat"]
    np.testing.assert_array_equal(conv(model, "vgg_sat_conv3_2"), reference.get_layer("block3_conv2").kernel.numpy())
    np.testing.assert_array_equal(conv(model, "vgg_grd_conv1_1"), reference.get_layer("block1_conv1").kernel.numpy())


def test_bad_files_and_models(tmp_path, frossard_npz):
    with pytest.raises(ValueError, match="no such file"):
        load_imagenet_vgg16(build("crosslocate"), tmp_path / "missing.npz")
    truncated = tmp_path / "vgg16_weights.npz"
    np.savez(truncated, conv1_1_W=np.zeros((3, 3, 3, 64), np.float32))
    with pytest.raises(ValueError, match="conv1_1_b"):
        load_imagenet_vgg16(build("crosslocate"), truncated)
    with pytest.raises(ValueError, match="no ImageNet VGG16"):
        load_imagenet_vgg16(build("ori_cnn", query_shape=(136, 272), reference_shape=(136, 136)), frossard_npz)
