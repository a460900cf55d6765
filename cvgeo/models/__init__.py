"""cvgeo's networks. `build(name, **options)` is the entry point; `MODELS` lists them."""

from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.registry import MODELS, ModelSpec, UnknownModelError, build, model_spec

__all__ = ["CrossViewModel", "MODELS", "ModelSpec", "UnknownModelError", "build", "model_spec"]
