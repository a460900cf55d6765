"""The one training loop: data, the task's step, checkpoints, exact resume, stop signals, NaN guard, summaries, validation.

What differs between methods (inputs, networks, losses, optimizers, step) lives in a task
(`cvgeo.training.tasks`); this loop runs any of them.
"""

from collections.abc import Callable
import json
import math
import os
import time

import keras
import tensorflow as tf
from tqdm import tqdm

from cvgeo.checkpoints import save_weights
from cvgeo.inference import run_directory
from cvgeo.data import dataset_spec, load_split
from cvgeo.errors import CvgeoError
from cvgeo.training import distribution
from cvgeo.training.config import TrainConfig
from cvgeo.data.input_sizes import check_input_sizes
from cvgeo.training.run_checkpoints import RunCheckpoints
from cvgeo.training.stop_signals import StopRequest, stop_signals
from cvgeo.training.tasks import make_task
from cvgeo.training.train_step import StepResult

# --mixed_precision values → Keras dtype policies.
PRECISION_POLICIES = {"bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
# Fields that may change when a run is continued (train longer); any other change is a new run.
# The strategy may change too: the batch size is the global batch, so the run computes the same thing.
RESUMABLE_CHANGES = {
    "epochs", "max_steps", "eval_max_pairs", "checkpoint_every_steps", "deterministic", "jit_compile",
    "strategy", "cpu_devices",
}


class TrainingError(CvgeoError):
    """A run cannot start or continue; the message says why and what to do."""


class NonFiniteLossError(TrainingError):
    """A step gave a NaN or infinite loss or gradient; nothing was saved after the last good checkpoint."""


class TrainingInterrupted(TrainingError):
    """SIGTERM or SIGINT stopped the run after a checkpoint; `signal_number` says which."""

    def __init__(self, signal_number: int, message: str):
        super().__init__(message)
        self.signal_number = signal_number


def _check_resumable(config: TrainConfig) -> None:
    previous = run_directory.read_config(config.output_dir)
    if previous is None:
        return
    before, now = json.loads(previous), json.loads(config.to_json())  # compared as JSON: tuples == lists
    changed = sorted(k for k in now if k not in RESUMABLE_CHANGES and before.get(k) != now[k])
    if changed:
        raise TrainingError(
            f"{config.output_dir} holds a run with a different configuration ({', '.join(changed)} differ); "
            "choose another --output_dir, or delete that folder to start over"
        )


def train(
    config: TrainConfig,
    validate: Callable[[keras.Model, int], dict] | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> keras.Model:
    """Trains `config.model` with `config.task` on `config.dataset`, resuming from the newest checkpoint in `output_dir`.

    A checkpoint is written at the end of every epoch, every `checkpoint_every_steps` steps if set, when
    `max_steps` stops the run and when SIGTERM / SIGINT asks it to stop (then `TrainingInterrupted` is
    raised). After each epoch (and at `max_steps`) `validate(model, epoch)` runs if given and its scalars
    go to TensorBoard and `validation.jsonl`. A resumed run continues an epoch where it stopped, with
    the same batches and random draws. A non-finite loss or gradient stops the run with
    `NonFiniteLossError` before anything is saved. At the end the run folder gets `model.weights.h5`
    and `run.json`. Returns the trained model.

    `config.strategy` spreads each (global) batch over replicas (`distribution.py`); on several
    workers only the chief writes the run folder and validates. A caller that runs TensorFlow before
    `train` (e.g. opens the validation split) passes the strategy it made first, since the CPU split
    and `multi_worker` must be set up before TensorFlow runs anything.
    """
    if strategy is None:
        strategy = distribution.make_strategy(config.strategy, config.cpu_devices)
    distribution.check_batch_size(strategy, config.batch_size)
    distribution.check_jit_compile(strategy, config.jit_compile)
    if config.passes_per_epoch < 1:
        raise TrainingError(f"passes_per_epoch must be at least 1, got {config.passes_per_epoch}")
    if config.checkpoint_every_steps is not None and config.checkpoint_every_steps < 1:
        raise TrainingError(f"checkpoint_every_steps must be at least 1, got {config.checkpoint_every_steps}")
    if config.mixed_precision is not None and config.mixed_precision not in PRECISION_POLICIES:
        raise TrainingError(f"mixed_precision must be one of {', '.join(PRECISION_POLICIES)}, got {config.mixed_precision!r}")
    _check_resumable(config)
    started = time.perf_counter()
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    task = make_task(config, strategy)
    data = dataset_spec(config.dataset)
    examples = load_split(
        config.dataset, config.train_split or data.train_split,
        data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt,
    )
    check_input_sizes(examples.element_spec, task.input_options())
    # Seeded after the split is opened: preparing a dataset on first use draws from the global
    # generators, and the initial weights must not depend on whether it was already prepared.
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        _build_in_precision(task, config.mixed_precision)
    workspace = distribution.WorkerDirectory(strategy, run_directory.checkpoint_dir(config.output_dir))
    chief = workspace.chief
    if not chief:
        validate = None

    step = tf.Variable(0, dtype=tf.int64, name="step")
    epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    step_in_epoch = tf.Variable(0, dtype=tf.int64, name="step_in_epoch")  # batches of `epoch` already trained on
    seconds = tf.Variable(0.0, dtype=tf.float64, name="seconds")  # training wall time of earlier sessions
    items = task.checkpoint_items()
    checkpoints = RunCheckpoints(
        workspace.path,
        required=dict(**items, step=step, epoch=epoch),
        # Missing from checkpoints of earlier versions, which then resume as they did: at the epoch's start.
        optional=dict(random_states=_random_states(items.values()), step_in_epoch=step_in_epoch, seconds=seconds),
        # Every worker resumes from the chief's checkpoints (the run folder is on a shared filesystem).
        restore_from=run_directory.checkpoint_dir(config.output_dir),
    )
    if checkpoints.restore() and chief:
        print(f"Resuming {config.output_dir} from {checkpoints.latest} (epoch {int(epoch)}, step {int(step)})")
    if chief:
        run_directory.write_config(config.output_dir, config.to_json())

    seconds_before = float(seconds)

    def save() -> str:
        seconds.assign(seconds_before + time.perf_counter() - started)
        return checkpoints.save(int(step))

    writer = tf.summary.create_file_writer(run_directory.log_dir(config.output_dir)) if chief else tf.summary.create_noop_writer()
    bar = None
    with stop_signals() as stop:
        try:
            while int(epoch) < config.epochs and not _reached(step, config.max_steps):
                task.start_epoch(int(epoch))
                batches = task.epoch_batches(examples, int(epoch))
                per_epoch = int(batches.cardinality()) if batches.cardinality() >= 0 else None
                if bar is None:
                    bar = _run_progress_bar(config, per_epoch, int(epoch), int(step), int(step_in_epoch), quiet=not chief)
                bar.set_description(f"epoch {int(epoch) + 1}/{config.epochs}")
                # An epoch's batches depend only on (seed, epoch): skipping those already trained on
                # continues it exactly where a checkpoint left it.
                skipped = int(step_in_epoch)
                epoch_started, pairs, completed = time.perf_counter(), 0, True
                for index, batch in enumerate(distribution.distribute_batches(strategy, batches.skip(skipped)), start=skipped + 1):
                    losses, gradient_norm = _checked_step(task, batch, int(step) + 1, int(epoch), index, checkpoints.latest)
                    step.assign_add(1)
                    step_in_epoch.assign(index)
                    pairs += config.batch_size  # training batches are whole (drop_remainder)
                    rate = pairs / (time.perf_counter() - epoch_started)
                    bar.set_postfix(**{name: f"{value:.4f}" for name, value in losses.items()}, pairs_per_s=f"{rate:.1f}", refresh=False)
                    bar.update(1)
                    with writer.as_default(step=int(step)):
                        for name, value in losses.items():
                            tf.summary.scalar(f"train/{name}", value)
                        tf.summary.scalar("train/pairs_per_second", rate)
                        if gradient_norm is not None:
                            tf.summary.scalar("train/gradient_norm", gradient_norm)
                    if index == per_epoch:
                        break
                    if stop:
                        raise _interrupted(stop, save(), int(step))
                    if _reached(step, config.max_steps):
                        completed = False
                        break
                    if config.checkpoint_every_steps and int(step) % config.checkpoint_every_steps == 0:
                        save()
                if completed:
                    epoch.assign_add(1)
                    step_in_epoch.assign(0)
                path = save()
                if stop:  # at an epoch's end: this epoch's validation is left out
                    raise _interrupted(stop, path, int(step))
                if validate is not None:
                    _record_validation(config, validate(task.model, int(epoch)), int(epoch), int(step), writer)
        finally:
            if bar is not None:
                bar.close()
            workspace.cleanup()
    if not chief:
        return task.model
    save_weights(task.model, run_directory.final_weights_path(config.output_dir))
    run_directory.write_run_summary(config.output_dir, {
        "config": json.loads(config.to_json()),
        "steps": int(step),
        "epochs_completed": int(epoch),
        "wall_time_seconds": round(seconds_before + time.perf_counter() - started, 3),
        "validation": _last_validation(config.output_dir),
    })
    return task.model


def _build_in_precision(task, precision: str | None) -> None:
    """Builds the task's networks under the run's dtype policy; layers keep it, the global policy is restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(PRECISION_POLICIES.get(precision, "float32"))
    try:
        task.build()
    finally:
        keras.config.set_dtype_policy(previous)


def _random_states(items) -> list[tf.Variable]:
    """The random-generator states (Keras seed generators, e.g. dropout's) of the Keras layers among
    `items`: Keras leaves them out of `weights` and so out of a `tf.train.Checkpoint` of the model."""
    states = []
    for item in items:
        if isinstance(item, keras.layers.Layer):
            weights = {id(weight) for weight in item.weights}
            states += [variable.value for variable in item.variables if id(variable) not in weights]
    return states


def _interrupted(stop: StopRequest, checkpoint: str, step: int) -> "TrainingInterrupted":
    return TrainingInterrupted(
        stop.signal_number,
        f"stopped by {stop.name} after step {step}; checkpoint {checkpoint} written; run the same command to resume",
    )


def _checked_step(
    task, batch: dict, step: int, epoch: int, index: int, latest: str | None
) -> tuple[dict[str, float], float | None]:
    """Runs the task's step: its losses and gradient norm (if it reports one) as floats, or
    NonFiniteLossError naming the step and the term."""
    result = task.train_step(batch)
    losses, gradient_norm = result if isinstance(result, StepResult) else (result, None)
    values = {name: float(value) for name, value in losses.items()}
    gradient_norm = None if gradient_norm is None else float(gradient_norm)
    bad = [f"loss {name!r} is {value}" for name, value in values.items() if not math.isfinite(value)]
    if gradient_norm is not None and not math.isfinite(gradient_norm):
        bad.append(f"the gradients' global norm is {gradient_norm}")
    if bad:
        kept = f"the latest checkpoint is still {latest}" if latest else "no checkpoint was written"
        raise NonFiniteLossError(
            f"non-finite values at step {step} (epoch {epoch + 1}, batch {index}): {'; '.join(bad)}; "
            f"stopped without saving, {kept}"
        )
    return values, gradient_norm


def _last_validation(run_dir: str) -> dict | None:
    path = os.path.join(run_dir, "validation.jsonl")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        lines = stream.read().splitlines()
    return json.loads(lines[-1]) if lines else None


def _run_progress_bar(
    config: TrainConfig, per_epoch: int | None, epoch: int, step: int, step_in_epoch: int, quiet: bool = False
) -> tqdm:
    """One bar for the whole run, so its ETA is the run's; says first how much work is ahead (unless `quiet`)."""
    planned = None if per_epoch is None else step + (config.epochs - epoch) * per_epoch - step_in_epoch
    if config.max_steps is not None:
        planned = config.max_steps if planned is None else min(planned, config.max_steps)
    if planned is not None and not quiet:
        tqdm.write(
            f"Training {planned - step} steps of {config.batch_size} pairs (epochs {epoch + 1}-{config.epochs}, "
            f"{per_epoch} steps each), validating after each epoch; the bar's ETA covers the whole run."
        )
    return tqdm(total=planned, initial=step, unit="step", dynamic_ncols=True, disable=quiet)


def _reached(step: tf.Variable, max_steps: int | None) -> bool:
    return max_steps is not None and int(step) >= max_steps


def _record_validation(config: TrainConfig, metrics: dict, epoch: int, step: int, writer) -> None:
    with writer.as_default(step=step):
        for key, value in metrics.items():
            if isinstance(value, (int, float)):
                tf.summary.scalar(f"validation/{key}", value)
    line = json.dumps({"epoch": epoch, "step": step, **metrics})
    with open(os.path.join(config.output_dir, "validation.jsonl"), "a", encoding="utf-8") as stream:
        stream.write(line + "\n")
