"""cvgeo's networks. `build(name, **options)` is the entry point; `MODELS` lists them.

`from_config(model.get_config())` rebuilds a network from what it records about itself.
"""

from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.registry import MODELS, ModelSpec, UnknownModelError, build, from_config, model_spec

__all__ = ["CrossViewModel", "MODELS", "ModelSpec", "UnknownModelError", "build", "from_config", "model_spec"]
