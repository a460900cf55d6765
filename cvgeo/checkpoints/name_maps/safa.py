"""Keras weight path -> TF1 variable name for SAFA (`spatial_net.py`, spec 2.3)."""

import re

from cvgeo.checkpoints.name_maps.vgg import vgg_tf1_name

_SPATIAL = re.compile(r"spatial_(grd|sat)/(weights1|biases1|weights2|biases2)")


def safa_tf1_name(path: str) -> str | None:
    """`vgg_sat_conv1_1/bias` -> `VGG_sat/conv1_1/biases`; `spatial_grd/weights1` is unchanged."""
    if (name := vgg_tf1_name(path)) is not None:
        return name
    return path if _SPATIAL.fullmatch(path) else None
