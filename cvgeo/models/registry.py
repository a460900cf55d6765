"""The one table of cvgeo's networks: name -> builder, native input shapes, descriptor size."""

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass
import inspect

from cvgeo.errors import CvgeoError
from cvgeo.models import crosslocate, cvm_net, ori_cnn, safa, safa_stn, toker
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.model_option_error import ModelOptionError

SHAPE_OPTIONS = ("query_shape", "reference_shape")


@dataclass(frozen=True)
class ModelSpec:
    """How to build one network and what it consumes and produces at its native size."""

    builder: Callable[..., CrossViewModel]
    query_shape: tuple[int, int]
    reference_shape: tuple[int, int]
    descriptor_dim: int
    summary: str
    # Dataset feature the reference branch consumes: "aerial" tiles, or "polar" for SAFA-style models.
    reference_feature: str = "aerial"
    # What the original fed the network; the in-graph part is done by the model (RGB 0..255 in).
    preprocessing: str = ""
    # OriCNN: training inputs carry the orientation channels, augmented with the pixels.
    orientation_channels: bool = False
    # The ImageNet backbone the original initialises from ("vgg16", "resnet34"), None: from scratch.
    imagenet_backbone: str | None = "vgg16"
    # Input options (`cvgeo.data.pair_inputs.PairInputOptions` fields) of the original evaluation,
    # which its released weights expect; runs trained by cvgeo use their own training options.
    original_inputs: dict = dataclasses.field(default_factory=dict)


_SAFA_STN_PREPROCESSING = (
    "RGB 0..255 -> /255, ImageNet mean/std, in the model; panorama 112x616 and aerial 256x256 INTER_CUBIC "
    "(Realistic, CVUSA); the optional L1 loss compares the warped aerial with the normalised polar image"
)

_CVM_NET_PREPROCESSING = (
    "RGB 0..255 -> BGR minus Caffe means (B 103.939, G 116.779, R 123.6), in the model; ground "
    "224x1232 as-is, aerial 750->512 INTER_AREA"
)

def _safa_stn_spec(builder: Callable[..., CrossViewModel], summary: str) -> ModelSpec:
    """The three STN variants share sizes, preprocessing and backbone."""
    return ModelSpec(
        builder, safa_stn.GROUND_SHAPE, safa_stn.AERIAL_SHAPE, safa_stn.DESCRIPTOR_DIM, summary,
        preprocessing=_SAFA_STN_PREPROCESSING,
        imagenet_backbone="resnet34",
        # Realistic's CVUSA loader: INTER_CUBIC for the raw aerial and the panorama (spec 4.3).
        original_inputs={"ground_interpolation": "cubic", "aerial_interpolation": "cubic"},
    )


MODELS: dict[str, ModelSpec] = {
    "cvm_net_i": ModelSpec(
        cvm_net.build_cvm_net_i, cvm_net.GROUND_SHAPE, cvm_net.AERIAL_SHAPE, cvm_net.DESCRIPTOR_DIM,
        "CVM-Net-I (Hu et al. 2018): VGG16 + NetVLAD per branch, shared FC, 4096-d",
        preprocessing=_CVM_NET_PREPROCESSING,
    ),
    "cvm_net_ii": ModelSpec(
        cvm_net.build_cvm_net_ii, cvm_net.GROUND_SHAPE, cvm_net.AERIAL_SHAPE, cvm_net.DESCRIPTOR_DIM,
        "CVM-Net-II (Hu et al. 2018): VGG16 + shared transform + shared NetVLAD, 4096-d",
        preprocessing=_CVM_NET_PREPROCESSING,
    ),
    "ori_cnn": ModelSpec(
        ori_cnn.build_ori_cnn, ori_cnn.GROUND_SHAPE, ori_cnn.AERIAL_SHAPE, ori_cnn.DESCRIPTOR_DIM,
        "OriCNN (Liu & Li 2019): RGB + orientation encoders, hypercolumn + GeM, 1536-d",
        preprocessing=(
            "RGB 0..255 -> BGR / 255 * 2 - 1 plus two orientation channels, in the model; ground 224x1232 "
            "as-is, aerial 750->512 INTER_AREA; batch norm uses batch statistics: embed in batches of 12"
        ),
        orientation_channels=True,
        imagenet_backbone=None,  # OriCNN trains from scratch (spec B.7)
    ),
    "safa": ModelSpec(
        safa.build_safa, safa.GROUND_SHAPE, safa.POLAR_SHAPE, safa.DESCRIPTOR_DIM,
        "SAFA (Shi et al. 2019): VGG16 + spatial-aware attention on polar aerials, 4096-d",
        reference_feature="polar",
        # SAFA's published polar PNGs were stretched by scipy.misc.imsave (see polar_quantization).
        original_inputs={"polar_png_stretch": True},
        preprocessing=(
            "RGB 0..255 -> BGR minus Caffe means (B 103.939, G 116.779, R 123.6), in the model; ground "
            "resized to 112x616 INTER_AREA; reference = polar transform of the aerial tile (112x616)"
        ),
    ),
    "safa_stn_affine": _safa_stn_spec(
        safa_stn.build_safa_stn_affine,
        "SAFA + affine STN (Realistic-Cross-View): aerial warped to 112x616, ResNet-34 + SA per branch, 2048-d",
    ),
    "safa_stn_composed": _safa_stn_spec(
        safa_stn.build_safa_stn_composed,
        "SAFA + three stacked affine STNs with residual blocks (Realistic-Cross-View), ResNet-34 + SA, 2048-d",
    ),
    "safa_stn_tps": _safa_stn_spec(
        safa_stn.build_safa_stn_tps,
        "SAFA + thin-plate-spline STN, 6x10 control points (Realistic-Cross-View), ResNet-34 + SA, 2048-d",
    ),
    "toker": ModelSpec(
        toker.build_toker, toker.SHAPE, toker.SHAPE, toker.DESCRIPTOR_DIM,
        "Toker et al. 2021: street view drawn from the polar aerial by a GAN; its bottleneck and a "
        "ResNet-34 street branch, SA each, 2048-d",
        reference_feature="polar",
        preprocessing=(
            "RGB 0..255 -> /255, Normalize(0.5, 0.5) to [-1, 1], in the model; CVUSA: panorama and polar "
            "(generated at 224x1232) resized to 112x616 INTER_CUBIC (spec 3.2)"
        ),
        imagenet_backbone="resnet34",
        # Toker's CVUSA loader: the panorama INTER_CUBIC; cvusa_polar_toker's polars come at 112x616.
        original_inputs={"ground_interpolation": "cubic"},
    ),
    "crosslocate": ModelSpec(
        crosslocate.build_crosslocate, crosslocate.INPUT_SHAPE, crosslocate.INPUT_SHAPE,
        crosslocate.DESCRIPTOR_DIM,
        "CrossLocate (Tomesek et al. 2022): VGG16 conv1-13 + L2 / MAC / L2, 512-d",
        preprocessing="raw RGB 0..255 as float32 (no mean subtraction); INTER_AREA resize to the input size",
    ),
}


class UnknownModelError(CvgeoError, ValueError):
    """Raised for a model name that is not in the registry; lists the valid names."""


def model_spec(name: str) -> ModelSpec:
    """The registry entry for `name`, or UnknownModelError listing the valid names."""
    if name not in MODELS:
        raise UnknownModelError(f"unknown model {name!r}; available models: {', '.join(sorted(MODELS))}")
    return MODELS[name]


def build(name: str, **options) -> CrossViewModel:
    """Builds network `name` (see MODELS) with its original defaults, overridden by `options`.

    Common options: `query_shape` and `reference_shape` as (height, width). The model records every
    option, defaults included, so `model.get_config()` rebuilds it (see `from_config`).

    Raises:
      UnknownModelError: `name` is not in MODELS.
      ModelOptionError: an option the builder does not take, or a value it rejects.
    """
    builder = model_spec(name).builder
    try:
        bound = inspect.signature(builder).bind(**options)
    except TypeError:
        accepted = ", ".join(inspect.signature(builder).parameters)
        raise ModelOptionError(
            f"model {name!r} takes the options {accepted}; got {', '.join(sorted(options))}"
        ) from None
    bound.apply_defaults()
    model = builder(**bound.arguments)
    model._set_options({key: value for key, value in bound.arguments.items() if key not in SHAPE_OPTIONS})
    return model


def _from_json(value):
    """JSON has no tuples: shapes and tuple options come back as lists."""
    return tuple(_from_json(v) for v in value) if isinstance(value, list) else value


def from_config(config: dict) -> CrossViewModel:
    """Rebuilds the network a `CrossViewModel.get_config()` dict describes (freshly initialised).

    `config` holds "family" (a MODELS name) and optionally "options" and the shapes "query_shape" /
    "reference_shape"; what is missing takes the builder's default.
    """
    if not isinstance(config, dict) or "family" not in config:
        raise ModelOptionError(
            f"a model config is a dict with 'family' (one of {', '.join(sorted(MODELS))}), optional 'options', "
            f"'query_shape' and 'reference_shape'; got {config!r}"
        )
    options = {key: _from_json(value) for key, value in config.get("options", {}).items()}
    for key in SHAPE_OPTIONS:
        if config.get(key) is not None:
            options[key] = _from_json(config[key])
    return build(config["family"], **options)
