"""How a trained network's evaluation inputs are prepared: as it was trained, or as its original.

A run trained by cvgeo is described with its own training preprocessing (its task options); weights
without a run (an original checkpoint, a converted file) get what the original evaluation fed them,
`ModelSpec.original_inputs` (e.g. released SAFA weights expect the stretched polar PNGs).
"""

from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.models import CrossViewModel, model_spec

_RUN_INPUT_OPTIONS = ("ground_interpolation", "aerial_interpolation", "reference_feature", "round_resized")


def evaluation_input_options(
    model: CrossViewModel, run_config: dict | None = None, *, polar_png_stretch: bool | None = None
) -> PairInputOptions:
    """PairInputOptions for describing pairs with `model`; `polar_png_stretch` overrides the choice."""
    spec = model_spec(model.name)
    if run_config:
        task_options = run_config.get("task_options", {})
        changes = {key: task_options[key] for key in _RUN_INPUT_OPTIONS if key in task_options}
    else:
        changes = dict(spec.original_inputs)
    if polar_png_stretch is not None:
        changes["polar_png_stretch"] = polar_png_stretch
    changes.setdefault("reference_feature", spec.reference_feature)
    return PairInputOptions(model.query_shape, model.reference_shape, **changes)
