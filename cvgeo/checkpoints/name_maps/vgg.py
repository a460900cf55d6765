"""TF1 names of the hand-built VGG16 stacks of CVM-Net and SAFA (`VGG.py` in both repositories)."""

import re

_VGG = re.compile(r"vgg_(?P<branch>grd|sat)_(?P<layer>conv[1-5]_[1-3])/(?P<weight>kernel|bias)")
_WEIGHT = {"kernel": "weights", "bias": "biases"}


def vgg_tf1_name(path: str) -> str | None:
    """`vgg_grd_conv4_2/kernel` -> `VGG_grd/conv4_2/weights` (kernels are HWIO in both); None otherwise."""
    match = _VGG.fullmatch(path)
    if match is None:
        return None
    return f"VGG_{match['branch']}/{match['layer']}/{_WEIGHT[match['weight']]}"
