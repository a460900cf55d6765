"""Keras weight path -> TF1 variable name for CrossLocate (`networks/VGG16.py`, spec 3.7)."""

import re

from cvgeo.checkpoints.name_maps.vgg import VGG16_CONV_NAMES

_CONV = re.compile(r"(?P<prefix>vgg|vgg_query|vgg_database)_conv(?P<block>[1-5])_(?P<index>[1-3])/(?P<weight>kernel|bias)")
_WEIGHT = {"kernel": "kernels", "bias": "biases"}
# VGG16.py names its layers conv1..conv13 in build order: conv1_1 -> conv1, ..., conv5_3 -> conv13.
_ORDINAL = {name: n for n, name in enumerate(VGG16_CONV_NAMES, start=1)}


def crosslocate_tf1_name(path: str) -> str | None:
    """`vgg_conv5_3/kernel` -> `conv13/kernels`. In a TWO_BRANCH model the query network is the
    first built (`conv13/...`) and TF uniquifies the database network's scopes to `conv13_1/...`."""
    match = _CONV.fullmatch(path)
    if match is None:
        return None
    ordinal = _ORDINAL[f"conv{match['block']}_{match['index']}"]
    suffix = "_1" if match["prefix"] == "vgg_database" else ""
    return f"conv{ordinal}{suffix}/{_WEIGHT[match['weight']]}"
