"""TF1 names of the hand-built VGG16 stacks of CVM-Net and SAFA (`VGG.py` in both repositories)."""

import re

# VGG16's thirteen convs in network order, as every original names them within a block.
VGG16_CONV_NAMES = tuple(f"conv{b}_{i}" for b, count in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for i in range(1, count + 1))

_VGG = re.compile(r"vgg_(?P<branch>grd|sat)_(?P<layer>conv[1-5]_[1-3])/(?P<weight>kernel|bias)")
_WEIGHT = {"kernel": "weights", "bias": "biases"}


def vgg_tf1_name(path: str) -> str | None:
    """`vgg_grd_conv4_2/kernel` -> `VGG_grd/conv4_2/weights` (kernels are HWIO in both); None otherwise."""
    match = _VGG.fullmatch(path)
    if match is None:
        return None
    return f"VGG_{match['branch']}/{match['layer']}/{_WEIGHT[match['weight']]}"
