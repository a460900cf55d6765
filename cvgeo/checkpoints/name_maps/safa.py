"""Keras weight path -> TF1 variable name for SAFA (`spatial_net.py`, spec 2.3)."""

import re

from cvgeo.checkpoints.name_maps.vgg import vgg_tf1_name

_SPATIAL = re.compile(r"spatial_(grd|sat)/(weights1|biases1|weights2|biases2)")


def safa_tf1_name(path: str) -> str | None:
    """`vgg_sat_conv1_1/bias` -> `VGG_sat/conv1_1/biases`; `spatial_grd/weights1` is unchanged."""
    if (name := vgg_tf1_name(path)) is not None:
        return name
    return path if _SPATIAL.fullmatch(path) else None


def vigor_safa_tf1_name(path: str) -> str | None:
    """SAFA as VIGOR's TF1 repository saves it: lower-case `vgg_grd` / `vgg_sat` scopes (spec 4.4)."""
    name = safa_tf1_name(path)
    return None if name is None else name.replace("VGG_", "vgg_", 1)
