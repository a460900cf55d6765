"""The one table of cvgeo's networks: name -> builder, native input shapes, descriptor size."""

from collections.abc import Callable
from dataclasses import dataclass

from cvgeo.errors import CvgeoError
from cvgeo.models import cvm_net
from cvgeo.models.cross_view_model import CrossViewModel


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


MODELS: dict[str, ModelSpec] = {
    "cvm_net_i": ModelSpec(
        cvm_net.build_cvm_net_i, cvm_net.GROUND_SHAPE, cvm_net.AERIAL_SHAPE, cvm_net.DESCRIPTOR_DIM,
        "CVM-Net-I (Hu et al. 2018): VGG16 + NetVLAD per branch, shared FC, 4096-d",
    ),
    "cvm_net_ii": ModelSpec(
        cvm_net.build_cvm_net_ii, cvm_net.GROUND_SHAPE, cvm_net.AERIAL_SHAPE, cvm_net.DESCRIPTOR_DIM,
        "CVM-Net-II (Hu et al. 2018): VGG16 + shared transform + shared NetVLAD, 4096-d",
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

    Common options: `query_shape` and `reference_shape` as (height, width).
    """
    return model_spec(name).builder(**options)
