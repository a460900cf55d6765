"""Keras weight path -> torchvision ResNet state-dict key, for the stacks built by `cvgeo.layers.resnet`.

Layers there are named `{prefix}_{torchvision module path with "." -> "_"}`, so
`resnet_sat_layer2_0_downsample_1/moving_variance` is `layer2.0.downsample.1.running_var`.
"""

import re

_MODULE = r"conv1|bn1|fc|layer[1-4]_\d+_(?:conv[12]|bn[12]|downsample_[01])"
# Keras weight name -> torchvision parameter / buffer name (nn.Conv2d, nn.BatchNorm2d, nn.Linear).
_WEIGHT = {
    "kernel": "weight",
    "bias": "bias",
    "gamma": "weight",
    "beta": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}
_PATH = re.compile(rf"(?P<module>{_MODULE})/(?P<weight>{'|'.join(_WEIGHT)})")


def torchvision_resnet_name(path: str, prefix: str) -> str | None:
    """`{prefix}_layer1_0_conv1/kernel` -> `layer1.0.conv1.weight`; None for weights outside stack `prefix`."""
    if not path.startswith(f"{prefix}_"):
        return None
    match = _PATH.fullmatch(path[len(prefix) + 1 :])
    if match is None:
        return None
    return f"{match['module'].replace('_', '.')}.{_WEIGHT[match['weight']]}"
