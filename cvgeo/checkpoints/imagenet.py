"""ImageNet VGG16 initialisation from local files, into every VGG16 stack of a model.

Two formats (the weights cannot be downloaded here, so users bring the file):
  * Keras' `vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5` (Keras 2 HDF5 layout: groups
    `block1_conv1`, ... with `weight_names` attributes; a Keras 3 `.weights.h5` of
    `keras.applications.VGG16(include_top=False)` also works). Caffe weights: conv1_1 expects BGR.
  * Frossard's `vgg16_weights.npz` used by CrossLocate (keys `conv1_1_W`, `conv1_1_b`, ...; the fc
    keys are ignored). Its conv1_1 expects RGB (CrossLocate spec 3.6).
conv1_1's input-channel axis is flipped when the file's channel order differs from what the model
feeds its VGG.
"""

import os
import re

import h5py
import keras
import numpy as np

from cvgeo.checkpoints.errors import WeightsFileError
from cvgeo.checkpoints.name_maps.vgg import VGG16_CONV_NAMES

# Channel order each model feeds its VGG16: CVM-Net and SAFA subtract Caffe means from BGR
# (CaffePreprocessing); CrossLocate feeds raw RGB.
VGG_INPUT_ORDER = {"cvm_net_i": "bgr", "cvm_net_ii": "bgr", "safa": "bgr", "crosslocate": "rgb"}
_VGG_WEIGHT = re.compile(r"(?P<prefix>.+)_(?P<layer>conv[1-5]_[1-3])/(?P<weight>kernel|bias)")
_LAYERS = VGG16_CONV_NAMES  # conv1_1 ... conv5_3


def _keras3_conv_groups(layers) -> list:
    """The 13 conv groups of a Keras 3 `.weights.h5` of VGG16, in network order.

    Keras 3 names a layer's group by its class (`conv2d`, `conv2d_1`, ...) in the order the model
    holds its layers, not by the layer name; older files used the layer names (`block1_conv1`).
    """
    if all(f"block{layer[4]}_conv{layer[6]}" in layers for layer in _LAYERS):
        return [layers[f"block{layer[4]}_conv{layer[6]}"] for layer in _LAYERS]
    convs = sorted(
        (int(match[1] or 0), name) for name in layers if (match := re.fullmatch(r"conv2d(?:_(\d+))?", name))
    )
    return [layers[name] for _, name in convs]


def _keras_h5_weights(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """conv name -> (kernel, bias) from a Keras VGG16 HDF5 weights file (Keras 2 or Keras 3 layout)."""
    with h5py.File(path, "r") as handle:
        root = handle["model_weights"] if "model_weights" in handle else handle
        if "layer_names" in root.attrs:  # Keras 2: per layer, `weight_names` lists its datasets
            groups = [root.get(f"block{layer[4]}_conv{layer[6]}") for layer in _LAYERS]
            arrays = [None if g is None else [np.asarray(g[n]) for n in g.attrs["weight_names"]] for g in groups]
        elif "layers" in root:  # Keras 3: layers/<group>/vars/0, 1, ...
            groups = _keras3_conv_groups(root["layers"])
            arrays = [[np.asarray(g["vars"][str(i)]) for i in range(len(g["vars"]))] for g in groups]
        else:
            arrays = []
        if len(arrays) != len(_LAYERS) or any(a is None for a in arrays):
            raise WeightsFileError(f"{path!r} does not hold the 13 conv layers of Keras' VGG16 (block1_conv1 ... block5_conv3)")
    weights = {}
    for layer, pair in zip(_LAYERS, arrays):
        kernels = [a for a in pair if a.ndim == 4]
        biases = [a for a in pair if a.ndim == 1]
        if len(kernels) != 1 or len(biases) != 1:
            raise WeightsFileError(f"{path!r}: VGG16 layer {layer} should hold one kernel and one bias")
        weights[layer] = (kernels[0], biases[0])
    return weights


def _npz_weights(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with np.load(path) as archive:
        missing = [f"{layer}_{k}" for layer in _LAYERS for k in ("W", "b") if f"{layer}_{k}" not in archive]
        if missing:
            raise WeightsFileError(f"{path!r} lacks {', '.join(missing)}; expected Frossard's vgg16_weights.npz")
        return {layer: (archive[f"{layer}_W"], archive[f"{layer}_b"]) for layer in _LAYERS}


def read_imagenet_vgg16(path: str | os.PathLike) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str]:
    """The 13 conv (kernel HWIO, bias) pairs of a VGG16 weights file, and the channel order its conv1_1 expects."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise WeightsFileError(f"--init_weights={path!r}: no such file")
    if path.endswith(".npz"):
        return _npz_weights(path), "rgb"
    if path.endswith(".h5"):
        return _keras_h5_weights(path), "bgr"
    raise WeightsFileError(f"--init_weights={path!r}: expected Keras' VGG16 notop .h5 or CrossLocate's vgg16_weights.npz")


def load_imagenet_vgg16(model: keras.Model, path: str | os.PathLike) -> list[str]:
    """Initialises every VGG16 conv stack of `model` from an ImageNet VGG16 file; returns the stacks' prefixes.

    Only the 13 convs are set; everything else keeps its initialisation, as in the originals
    (CVM-Net/SAFA "Initialize" checkpoints, CrossLocate `VGG16.loadWeights`).
    """
    if model.name not in VGG_INPUT_ORDER:
        raise WeightsFileError(
            f"model {model.name!r} has no ImageNet VGG16 to initialise (models with one: {', '.join(VGG_INPUT_ORDER)})"
        )
    weights, file_order = read_imagenet_vgg16(path)
    stacks: dict[str, dict[tuple[str, str], keras.Variable]] = {}
    for variable in model.weights:
        if match := _VGG_WEIGHT.fullmatch(variable.path):
            stacks.setdefault(match["prefix"], {})[(match["layer"], match["weight"])] = variable
    flip = file_order != VGG_INPUT_ORDER[model.name]
    for prefix, variables in stacks.items():
        for layer in _LAYERS:
            kernel, bias = weights[layer]
            if flip and layer == "conv1_1":
                kernel = kernel[:, :, ::-1, :]
            for which, value in (("kernel", kernel), ("bias", bias)):
                variable = variables[(layer, which)]
                if tuple(value.shape) != tuple(variable.shape):
                    raise WeightsFileError(
                        f"{os.fspath(path)!r}: {layer} {which} has shape {list(value.shape)}, model "
                        f"{variable.path} has {list(variable.shape)}"
                    )
                variable.assign(np.asarray(value, np.float32))
    return sorted(stacks)
