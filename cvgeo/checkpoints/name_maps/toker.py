"""Keras layer name -> module path in Toker et al.'s PyTorch state dicts (aysim/comingdowntoearth).

The generator's layers are named after `networks/c_gan.py` UnetGeneratorSkip's modules, the
discriminator's after NLayerDiscriminator's `model` nn.Sequential indices, the retrieval network's
after `networks/safa.py` SAFA: `extract2` is `backbones.ResNet34`, whose `layers` nn.Sequential holds
resnet34's conv1, bn1, relu (indices 0-2), then layer1-3 (indices 3-5; the maxpool is left out).
`sa1` attends over the generator's bottleneck, `sa2` over the street features.
"""

import re

from cvgeo.checkpoints.name_maps.torchvision_resnet import torchvision_resnet_name

# ConvLayer wraps its spectral-normalised conv as `.conv2d`.
_CONV_LAYER = re.compile(r"generator_((?:conv|res|deconv)\d)_(conv_r1|conv_r2|conv_l|conv1|conv2)")
_NORM = re.compile(r"generator_((?:res|deconv)\d)_(in1|in2|norm_r1|norm_r2)")
# torchvision's top-level children -> their index in Toker's ResNet34.layers.
_RESNET_CHILD = {"conv1": "0", "bn1": "1", "layer1": "3", "layer2": "4", "layer3": "5"}
SPATIAL_AWARE = {"spatial_sat": "sa1", "spatial_grd": "sa2"}
# Which of the checkpoint's state dicts holds each network.
STATE_DICTS = {
    "generator": "generator_model_dict",
    "discriminator": "discriminator_model_dict",
    "retrieval": "retriebal_model_dict",  # sic, rgan_wrapper.py `save_networks`
}


def generator_module(layer_name: str) -> str | None:
    """`generator_conv1_conv_r1` -> `conv1.conv_r1.conv2d`, `generator_in3_d` -> `in3_d`; None outside the generator."""
    if not layer_name.startswith("generator_"):
        return None
    if match := _CONV_LAYER.fullmatch(layer_name):
        return f"{match[1]}.{match[2]}.conv2d"
    if match := _NORM.fullmatch(layer_name):
        return f"{match[1]}.{match[2]}"
    if layer_name == "generator_conv_end_0":
        return "conv_end.0"
    return layer_name[len("generator_"):]


def discriminator_module(layer_name: str) -> str | None:
    """`discriminator_model_2` -> `model.2`."""
    match = re.fullmatch(r"discriminator_model_(\d+)", layer_name)
    return f"model.{match[1]}" if match else None


def retrieval_key(weight_path: str) -> str | None:
    """`resnet_grd_layer2_0_bn1/gamma` -> `extract2.layers.4.0.bn1.weight`; `spatial_sat/weights1` -> `sa1.w1`."""
    layer, _, weight = weight_path.partition("/")
    if layer in SPATIAL_AWARE:
        match = re.fullmatch(r"(weights|biases)([12])", weight)
        return f"{SPATIAL_AWARE[layer]}.{match[1][0]}{match[2]}" if match else None
    key = torchvision_resnet_name(weight_path, "resnet_grd")
    if key is None:
        return None
    child, _, rest = key.partition(".")
    if child not in _RESNET_CHILD:
        return None
    return f"extract2.layers.{_RESNET_CHILD[child]}.{rest}"
