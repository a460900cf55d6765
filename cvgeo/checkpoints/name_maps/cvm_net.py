"""Keras weight path -> TF1 variable name for CVM-Net-I and CVM-Net-II (spec A.6)."""

import re

from cvgeo.checkpoints.name_maps.vgg import vgg_tf1_name

_WEIGHT = {"kernel": "weights", "bias": "biases"}
_DENSE_OR_CONV = re.compile(r"(?P<layer>\w+)/(?P<weight>kernel|bias)")
# Keras layer name -> TF1 scope; the scopes' "/" cannot appear in Keras 3 layer names.
_SCOPES = {
    "dim_reduction_fc1": "dim_reduction/fc1",
    "transformation_trans_grd_trans_conv1": "transformation_trans/grd_trans_conv1",
    "transformation_trans_sat_trans_conv1": "transformation_trans/sat_trans_conv1",
    "transformation_trans_shared_trans_conv1": "transformation_trans_shared/trans_conv1",
    "transformation_trans_shared_trans_conv2": "transformation_trans_shared/trans_conv2",
}
_NETVLAD = re.compile(r"(netvlad(?:_grd|_sat)?)/(cluster_weights2?|cluster_biases|hidden1_weights)")


def cvm_net_tf1_name(path: str) -> str | None:
    """e.g. `dim_reduction_fc1/kernel` -> `dim_reduction/fc1/weights`; NetVLAD names are unchanged."""
    if (name := vgg_tf1_name(path)) is not None:
        return name
    if _NETVLAD.fullmatch(path):
        return path
    if (match := _DENSE_OR_CONV.fullmatch(path)) and match["layer"] in _SCOPES:
        return f"{_SCOPES[match['layer']]}/{_WEIGHT[match['weight']]}"
    return None
