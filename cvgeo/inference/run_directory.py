"""A training run's folder: its resolved configuration, checkpoints, logs and metrics.

Importing this module does not import TensorFlow: the command lines check a run folder before
starting it.
"""

import json
import os

from cvgeo.atomic_files import write_text_atomically
from cvgeo.errors import CvgeoError

CONFIG_FILE = "config.json"
RUN_FILE = "run.json"  # written when a run finishes: config, steps, wall time, final validation
FINAL_WEIGHTS_FILE = "model.weights.h5"
CHECKPOINT_SUBDIR = "checkpoints"
LOG_SUBDIR = "logs"


class RunDirectoryError(CvgeoError):
    """A run folder is missing or incomplete; the message names it and what was expected."""


def checkpoint_dir(run_dir: str) -> str:
    return os.path.join(run_dir, CHECKPOINT_SUBDIR)


def log_dir(run_dir: str) -> str:
    return os.path.join(run_dir, LOG_SUBDIR)


def write_config(run_dir: str, config_json: str) -> None:
    write_text_atomically(os.path.join(run_dir, CONFIG_FILE), config_json + "\n")


def final_weights_path(run_dir: str) -> str:
    """Where a finished run's final weights are (`cvgeo.checkpoints.load` reads them)."""
    return os.path.join(run_dir, FINAL_WEIGHTS_FILE)


def write_run_summary(run_dir: str, summary: dict) -> None:
    """Writes `run.json` atomically: what a finished run was and gave."""
    write_text_atomically(os.path.join(run_dir, RUN_FILE), json.dumps(summary, indent=2, sort_keys=True) + "\n")


def read_config(run_dir: str) -> str | None:
    """The run's config.json text, or None when the run has not been started."""
    path = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def require_config(run_dir: str) -> dict:
    """The run's configuration as a dict, or RunDirectoryError explaining how to create the run."""
    text = read_config(run_dir)
    if text is None:
        raise RunDirectoryError(
            f"no training run in {run_dir} (expected {os.path.join(run_dir, CONFIG_FILE)}); "
            "train one with `python train.py --output_dir=...`, or pass --checkpoint (and --model unless it is a "
            "converted .weights.h5 with its manifest)"
        )
    return json.loads(text)


def model_config(run_config: dict) -> dict:
    """The model config (`cvgeo.models.from_config` form) of a run, from its config.json's model and options."""
    options = dict(run_config.get("model_options", {}))
    shapes = {key: options.pop(key) for key in ("query_shape", "reference_shape") if key in options}
    return {"family": run_config["model"], "options": options, **shapes}


def latest_checkpoint(run_dir: str) -> str | None:
    """Prefix of the run's newest training checkpoint (e.g. `run/checkpoints/ckpt-3`), if any."""
    import tensorflow as tf  # here, so that reading a run's config needs no TensorFlow

    return tf.train.latest_checkpoint(checkpoint_dir(run_dir))
