"""A network with trained weights, from a training run folder or a checkpoint file."""

import tensorflow as tf

from cvgeo.inference import run_directory
from cvgeo.errors import CvgeoError
from cvgeo.models import CrossViewModel, build


def load_trained_model(
    *, run_dir: str | None = None, checkpoint: str | None = None, model: str | None = None,
    model_options: dict | None = None,
) -> tuple[CrossViewModel, dict]:
    """The network and the run configuration it came from ({} without a run).

    With `run_dir` (a folder written by train.py) the model name, its options (input sizes) and the
    newest checkpoint come from the run; `checkpoint` (TF1 or native, read by cvgeo.checkpoints) and
    `model` override them. Without a run both `model` and `checkpoint` are needed.
    """
    config = run_directory.require_config(run_dir) if run_dir and not (model and checkpoint) else {}
    name = model or config.get("model")
    if not name or not (checkpoint or run_dir):
        raise run_directory.RunDirectoryError(
            "no trained model given: pass --model and --checkpoint, or the --run_dir of a training run"
        )
    options = dict(config.get("model_options", {})) if name == config.get("model") else {}
    options.update(model_options or {})
    network = build(name, **{k: tuple(v) if isinstance(v, list) else v for k, v in options.items()})
    if checkpoint:
        try:
            from cvgeo.checkpoints import load
        except ImportError:
            raise CvgeoError(
                "this cvgeo has no checkpoint reader (cvgeo.checkpoints.load); use --run_dir with a training run"
            ) from None
        load(network, checkpoint)
    else:
        latest = run_directory.latest_checkpoint(run_dir)
        if latest is None:
            raise run_directory.RunDirectoryError(
                f"no checkpoint in {run_directory.checkpoint_dir(run_dir)}; train first or pass --checkpoint"
            )
        tf.train.Checkpoint(model=network).restore(latest).expect_partial()
    return network, {**config, "model": name, "model_options": options}
