"""Toker et al.'s PyTorch checkpoints (`rgan_best_ckpt.pth`) into a cvgeo `toker` model, all or nothing.

The checkpoint dict holds `generator_model_dict`, `discriminator_model_dict` and
`retriebal_model_dict` (sic) among optimizer states; keys carry DataParallel's `module.` prefix
(spec 3.6). Spectral-normalised convs are exported as W_orig / sigma from the stored u and v (as
eval-mode PyTorch uses them), with u kept as the Keras wrapper's `vector_u`. Conv kernels are OIHW
there and HWIO here. Reading needs torch (optional); the report is strict, as the TF1 loader's:
every missing, unexpected and mis-shaped tensor is named and nothing is loaded unless all fit.
"""

from collections.abc import Callable
import os

import keras
import numpy as np

from cvgeo.checkpoints.errors import CheckpointMismatchError, CheckpointPathError
from cvgeo.checkpoints.name_maps.toker import STATE_DICTS, discriminator_module, generator_module, retrieval_key
from cvgeo.checkpoints.spectral_norm_export import spectral_normalized_weight
from cvgeo.layers.self_attention import SelfAttention

DATA_PARALLEL_PREFIX = "module."
# Batch-norm bookkeeping PyTorch saves and nothing reads (as the ImageNet ResNet-34 loader).
_IGNORED_SUFFIX = ".num_batches_tracked"

# (state dict, keys read, variable, value from the state dict)
Requirement = tuple[str, tuple[str, ...], keras.Variable, Callable[[dict], np.ndarray]]


def read_toker_pth(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """{"generator" | "discriminator" | "retrieval": {key without `module.`: array}} of a Toker checkpoint."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointPathError(f"no checkpoint file at {path!r}")
    try:
        import torch
    except ImportError as error:
        raise CheckpointPathError(f"{path!r}: reading a PyTorch .pth needs torch, which is not installed") from error
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or not any(key in checkpoint for key in STATE_DICTS.values()):
        raise CheckpointPathError(
            f"{path!r} is not a Toker et al. checkpoint: expected the keys {', '.join(STATE_DICTS.values())}"
        )
    return {
        network: {_strip(key): value.detach().cpu().numpy() for key, value in checkpoint[key].items()}
        for network, key in STATE_DICTS.items()
        if key in checkpoint
    }


def _strip(key: str) -> str:
    return key[len(DATA_PARALLEL_PREFIX):] if key.startswith(DATA_PARALLEL_PREFIX) else key


def _oihw_to_hwio(value: np.ndarray) -> np.ndarray:
    return value.transpose(2, 3, 1, 0)


def _spectral(network: str, module: str, wrapper: keras.layers.SpectralNormalization) -> list[Requirement]:
    orig, u, v = f"{module}.weight_orig", f"{module}.weight_u", f"{module}.weight_v"
    items: list[Requirement] = [
        (network, (orig, u, v), wrapper.layer.kernel, lambda s: _oihw_to_hwio(spectral_normalized_weight(s[orig], s[u], s[v]))),
        (network, (u,), wrapper.vector_u, lambda s: s[u][np.newaxis, :]),
    ]
    if wrapper.layer.use_bias:
        items.append((network, (f"{module}.bias",), wrapper.layer.bias, lambda s: s[f"{module}.bias"]))
    return items


def _layer_requirements(network: str, module: str, layer: keras.layers.Layer) -> list[Requirement] | None:
    if isinstance(layer, keras.layers.SpectralNormalization):
        return _spectral(network, module, layer)
    if isinstance(layer, SelfAttention):
        items = [(network, (f"{module}.gamma",), layer.gamma, lambda s: s[f"{module}.gamma"])]
        for name in ("theta", "phi", "g", "o"):
            items += _spectral(network, f"{module}.{name}", getattr(layer, name))
        return items
    if isinstance(layer, keras.layers.GroupNormalization):  # nn.InstanceNorm2d(affine=True)
        return [
            (network, (f"{module}.weight",), layer.gamma, lambda s: s[f"{module}.weight"]),
            (network, (f"{module}.bias",), layer.beta, lambda s: s[f"{module}.bias"]),
        ]
    if isinstance(layer, keras.layers.Conv2D):
        return [
            (network, (f"{module}.weight",), layer.kernel, lambda s: _oihw_to_hwio(s[f"{module}.weight"])),
            (network, (f"{module}.bias",), layer.bias, lambda s: s[f"{module}.bias"]),
        ]
    return None


def toker_requirements(model: keras.Model, discriminator: keras.Model | None = None) -> tuple[list[Requirement], list[str]]:
    """What each weight of `model` (and `discriminator`) is read from; also the weight paths with no name."""
    requirements: list[Requirement] = []
    unmapped: list[str] = []
    networks = [("generator", model.generator, generator_module)]
    if discriminator is not None:
        networks.append(("discriminator", discriminator, discriminator_module))
    for network, graph, module_of in networks:
        for layer in graph.layers:
            if not layer.weights:
                continue
            module = module_of(layer.name)
            items = None if module is None else _layer_requirements(network, module, layer)
            if items is None:
                unmapped += [w.path for w in layer.weights]
            else:
                requirements += items
    seen = set()
    for variable in model.query_encoder.weights + model.reference_head.weights:
        if variable.path in seen:
            continue
        seen.add(variable.path)
        key = retrieval_key(variable.path)
        if key is None:
            unmapped.append(variable.path)
        else:
            # ResNet conv kernels are the only 4-d tensors (SA weights are [HW, HW/2, heads] both sides).
            requirements.append(
                ("retrieval", (key,), variable, lambda s, key=key: _oihw_to_hwio(s[key]) if s[key].ndim == 4 else s[key])
            )
    return requirements, unmapped


def load_toker_pth(model: keras.Model, path: str | os.PathLike, discriminator: keras.Model | None = None) -> int:
    """Sets every weight of a `toker` model (and, if given, its discriminator) from a Toker `.pth`; returns how many.

    Raises:
      CheckpointPathError: no file, no torch, or not a Toker checkpoint.
      CheckpointMismatchError: a tensor the model needs is missing or mis-shaped, or the state dicts
        read hold tensors the model has no use for; the model is left unchanged.
    """
    if not hasattr(model, "generator"):
        raise CheckpointPathError(f"a Toker .pth holds a toker model's weights; {model.name} is not one")
    path = os.fspath(path)
    states = read_toker_pth(path)
    requirements, unmapped = toker_requirements(model, discriminator)
    missing, mis_shaped, values, used = [], [], [], set()
    for network, keys, variable, value_of in requirements:
        state = states.get(network, {})
        absent = [f"{STATE_DICTS[network]}/{key}" for key in keys if key not in state]
        if absent:
            missing += absent
            continue
        used.update((network, key) for key in keys)
        value = np.asarray(value_of(state), np.float32)
        if tuple(value.shape) != tuple(variable.shape):
            mis_shaped.append((f"{STATE_DICTS[network]}/{keys[0]}", tuple(value.shape), tuple(variable.shape)))
            continue
        values.append((variable, value))
    networks = {network for network, *_ in requirements}
    unexpected = [
        f"{STATE_DICTS[network]}/{key}"
        for network in sorted(networks)
        for key in states.get(network, {})
        if (network, key) not in used and not key.endswith(_IGNORED_SUFFIX)
    ]
    missing = sorted(set(missing))
    if missing or unexpected or mis_shaped or unmapped:
        raise CheckpointMismatchError(path, missing=missing, unexpected=unexpected, mis_shaped=mis_shaped, unmapped=unmapped)
    for variable, value in values:
        variable.assign(value)
    return len(values)
