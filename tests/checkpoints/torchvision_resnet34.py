"""torchvision's resnet34 as the original sees it, for tests: a seeded state dict and a NumPy forward.

Written from torchvision's architecture (BasicBlock, layers [3, 4, 6, 3]) in PyTorch's conventions:
NCHW activations, OIHW kernels, symmetric zero padding, max-pool padding with -inf, batch norm in
eval mode with eps 1e-5. Independent of cvgeo's Keras code, so it can catch its padding, layout and
naming mistakes.
"""

import numpy as np

STAGES = ((1, 3, 64), (2, 4, 128), (3, 6, 256), (4, 3, 512))
EPS = 1e-5


def state_dict_shapes(classes: int = 1000) -> dict[str, tuple[int, ...]]:
    """Every key of `torchvision.models.resnet34().state_dict()` with its shape, in module order."""
    shapes: dict[str, tuple[int, ...]] = {"conv1.weight": (64, 3, 7, 7)}

    def bn(name, channels):
        for key in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{name}.{key}"] = (channels,)
        shapes[f"{name}.num_batches_tracked"] = ()

    bn("bn1", 64)
    inplanes = 64
    for stage, blocks, planes in STAGES:
        for index in range(blocks):
            name = f"layer{stage}.{index}"
            stride = 2 if stage > 1 and index == 0 else 1
            shapes[f"{name}.conv1.weight"] = (planes, inplanes, 3, 3)
            bn(f"{name}.bn1", planes)
            shapes[f"{name}.conv2.weight"] = (planes, planes, 3, 3)
            bn(f"{name}.bn2", planes)
            if stride != 1 or inplanes != planes:
                shapes[f"{name}.downsample.0.weight"] = (planes, inplanes, 1, 1)
                bn(f"{name}.downsample.1", planes)
            inplanes = planes
    shapes["fc.weight"] = (classes, 512)
    shapes["fc.bias"] = (classes,)
    return shapes


def seeded_state_dict(seed: int = 0, classes: int = 1000) -> dict[str, np.ndarray]:
    """Random values of torchvision's shapes, scaled so activations stay O(1) through 34 layers."""
    rng = np.random.default_rng(seed)
    state = {}
    for key, shape in state_dict_shapes(classes).items():
        if key.endswith("num_batches_tracked"):
            state[key] = np.array(7, np.int64)
        elif key.endswith("running_var"):
            state[key] = rng.uniform(0.5, 2.0, shape).astype(np.float32)
        elif key.endswith("weight") and len(shape) == 1:  # batch-norm scale
            state[key] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        elif len(shape) >= 2:
            fan_in = int(np.prod(shape[1:]))
            state[key] = rng.normal(0.0, (2.0 / fan_in) ** 0.5, shape).astype(np.float32)
        else:
            state[key] = rng.normal(0.0, 0.1, shape).astype(np.float32)
    return state


def conv2d(x: np.ndarray, weight: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """nn.Conv2d without bias: x [N, C, H, W], weight [O, C, kh, kw]."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    _, _, kh, kw = weight.shape
    out_h = (x.shape[2] - kh) // stride + 1
    out_w = (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride]
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
    return out


def max_pool_3x3_s2_p1(x: np.ndarray) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    out_h, out_w = (x.shape[2] - 3) // 2 + 1, (x.shape[3] - 3) // 2 + 1
    windows = [x[:, :, i : i + 2 * out_h : 2, j : j + 2 * out_w : 2] for i in range(3) for j in range(3)]
    return np.max(windows, axis=0)


def batch_norm(x: np.ndarray, state: dict, name: str) -> np.ndarray:
    scale = state[f"{name}.weight"] / np.sqrt(state[f"{name}.running_var"].astype(np.float64) + EPS)
    shift = state[f"{name}.bias"] - state[f"{name}.running_mean"] * scale
    return x * scale[None, :, None, None] + shift[None, :, None, None]


def forward(images_nhwc: np.ndarray, state: dict, *, stages: int = 4, maxpool: bool = True, head: bool = True) -> np.ndarray:
    """Eval-mode forward; returns logits [N, classes] with `head`, else the feature map as NHWC."""
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    x = images_nhwc.astype(np.float64).transpose(0, 3, 1, 2)
    x = relu(batch_norm(conv2d(x, state["conv1.weight"], 2, 3), state, "bn1"))
    if maxpool:
        x = max_pool_3x3_s2_p1(x)
    for stage, blocks, _ in STAGES[:stages]:
        for index in range(blocks):
            name = f"layer{stage}.{index}"
            stride = 2 if stage > 1 and index == 0 else 1
            y = relu(batch_norm(conv2d(x, state[f"{name}.conv1.weight"], stride, 1), state, f"{name}.bn1"))
            y = batch_norm(conv2d(y, state[f"{name}.conv2.weight"], 1, 1), state, f"{name}.bn2")
            if f"{name}.downsample.0.weight" in state:
                x = batch_norm(conv2d(x, state[f"{name}.downsample.0.weight"], stride, 0), state, f"{name}.downsample.1")
            x = relu(y + x)
    if not head:
        return x.transpose(0, 2, 3, 1)
    return x.mean(axis=(2, 3)) @ state["fc.weight"].T.astype(np.float64) + state["fc.bias"]
