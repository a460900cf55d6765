"""ImageNet ResNet-34 initialisation from torchvision's `resnet34` state dict, into every ResNet-34 stack of a model.

Two formats (weights cannot be downloaded here, so users bring the file):
  * `.npz` holding the state dict's tensors under their torchvision keys (`conv1.weight`,
    `layer1.0.bn1.running_var`, ..., `fc.bias`), e.g. written with
    `numpy.savez("resnet34.npz", **{k: v.numpy() for k, v in torch.load("resnet34-b627a593.pth").items()})`;
  * torchvision's `.pth` itself, read with torch when torch is importable.
Conv kernels are OIHW there and HWIO in Keras; the fc weight is [out, in] there and [in, out] here.
The stacks expect RGB normalised with ImageNet mean/std, as torchvision's weights do.
"""

import os
import re

import keras
import numpy as np

from cvgeo.checkpoints.errors import WeightsFileError
from cvgeo.checkpoints.name_maps.torchvision_resnet import torchvision_resnet_name

_STACK = re.compile(r"(?P<prefix>.+)_layer1_0_conv1/kernel")


def _read_pth(path: str) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError as error:
        raise WeightsFileError(
            f"{path!r}: reading a .pth needs torch, which is not installed; convert it to .npz where torch is: "
            "numpy.savez('resnet34.npz', **{k: v.numpy() for k, v in torch.load(path).items()})"
        ) from error
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {key: value.detach().numpy() for key, value in state.items()}


def read_torchvision_resnet34(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """torchvision key -> array (torchvision's layout) from a ResNet-34 state dict in `.npz` or `.pth`."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise WeightsFileError(f"--init_weights={path!r}: no such file")
    if path.endswith(".npz"):
        with np.load(path) as archive:
            return {key: archive[key] for key in archive.files}
    if path.endswith((".pth", ".pt")):
        return _read_pth(path)
    raise WeightsFileError(f"--init_weights={path!r}: expected torchvision's resnet34 state dict as .npz or .pth")


def _to_keras_layout(value: np.ndarray) -> np.ndarray:
    if value.ndim == 4:  # conv weight: OIHW -> HWIO
        return value.transpose(2, 3, 1, 0)
    if value.ndim == 2:  # fc weight: [out, in] -> [in, out]
        return value.T
    return value


def load_imagenet_resnet34(model: keras.Model, path: str | os.PathLike) -> list[str]:
    """Initialises every ResNet-34 stack of `model` from torchvision's ImageNet state dict; returns the stacks' prefixes.

    Every weight of each stack (convs, batch-norm scale, offset and running statistics, fc when the
    stack has one) is set; state-dict entries of layers a truncated stack lacks (Toker's drops
    layer4 and fc) and `num_batches_tracked` are ignored, as slicing torchvision's children does.
    Nothing outside the stacks is touched. Raises WeightsFileError, before assigning anything, when
    an entry is missing or mis-shaped.
    """
    prefixes = sorted({m["prefix"] for v in model.weights if (m := _STACK.fullmatch(v.path))})
    if not prefixes:
        raise WeightsFileError(f"model {model.name!r} has no ResNet-34 (cvgeo.layers.resnet) to initialise")
    state = read_torchvision_resnet34(path)
    assignments, missing, mis_shaped = [], [], []
    for variable in model.weights:
        key = next((k for p in prefixes if (k := torchvision_resnet_name(variable.path, p)) is not None), None)
        if key is None:
            continue
        if key not in state:
            missing.append(key)
            continue
        value = _to_keras_layout(np.asarray(state[key]))
        if tuple(value.shape) != tuple(variable.shape):
            mis_shaped.append(f"{key} {list(state[key].shape)} for {variable.path} {list(variable.shape)}")
            continue
        assignments.append((variable, value))
    if missing or mis_shaped:
        problems = ([f"missing: {', '.join(sorted(set(missing)))}"] if missing else []) + (
            [f"mis-shaped: {'; '.join(mis_shaped)}"] if mis_shaped else []
        )
        raise WeightsFileError(
            f"{os.fspath(path)!r} is not torchvision's resnet34 state dict; nothing was loaded. " + " | ".join(problems)
        )
    for variable, value in assignments:
        variable.assign(value.astype(np.float32))
    return prefixes
