"""A network with trained weights, from a training run folder, a converted weights file or a checkpoint."""

from cvgeo.checkpoints import load, read_manifest
from cvgeo.inference import run_directory
from cvgeo.models import CrossViewModel, from_config


def load_trained_model(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    model: str | None = None,
    model_config: dict | None = None,
) -> tuple[CrossViewModel, dict]:
    """The network and the run configuration it came from ({} without a run).

    Which network: `model_config` (a `get_config()` dict, e.g. a localization index's); else `model`
    (a registry name, with the run's options when the run trained that model); else the manifest
    beside a converted `.weights.h5` `checkpoint`; else the run in `run_dir`. Which weights:
    `checkpoint` (TF1, native or cvgeo training checkpoint, read by `cvgeo.checkpoints.load`), else the
    run's newest checkpoint. The run folder is read only when one of the two needs it.

    Raises:
      RunDirectoryError: no network or no weights can be found; the message says what to pass.
    """
    manifest = read_manifest(checkpoint) if checkpoint and not (model_config or model) else None
    knows_network = bool(model_config or model or manifest)
    run_config = {}
    if checkpoint is None or not knows_network:
        if not run_dir:
            raise run_directory.RunDirectoryError(
                "no trained model given: pass --run_dir of a training run, a converted .weights.h5 --checkpoint "
                "with its manifest, or --model with --checkpoint"
            )
        run_config = run_directory.require_config(run_dir)
    if model_config is None:
        if model:
            trained_here = run_config.get("model") == model
            model_config = run_directory.model_config(run_config) if trained_here else {"family": model}
        elif manifest:
            model_config = manifest["model_config"]
        else:
            model_config = run_directory.model_config(run_config)
    if checkpoint is None:
        checkpoint = run_directory.latest_checkpoint(run_dir)
        if checkpoint is None:
            raise run_directory.RunDirectoryError(
                f"no checkpoint in {run_directory.checkpoint_dir(run_dir)}; train first or pass --checkpoint"
            )
    network = from_config(model_config)
    load(network, checkpoint)
    return network, run_config
