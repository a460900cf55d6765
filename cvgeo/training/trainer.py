"""The one training loop: data, the task's step, checkpoints every epoch, resume, summaries, validation.

What differs between methods (inputs, networks, losses, optimizers, step) lives in a task
(`cvgeo.training.tasks`); this loop runs any of them.
"""

from collections.abc import Callable
import json
import os
import time

import keras
import tensorflow as tf
from tqdm import tqdm

from cvgeo.inference import run_directory
from cvgeo.data import dataset_spec, load_split
from cvgeo.errors import CvgeoError
from cvgeo.training.config import TrainConfig
from cvgeo.data.input_sizes import check_input_sizes
from cvgeo.training.tasks import make_task

# Fields that may change when a run is continued (train longer); any other change is a new run.
RESUMABLE_CHANGES = {"epochs", "max_steps", "eval_max_pairs"}


class TrainingError(CvgeoError):
    """A run cannot start or continue; the message says why and what to do."""


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


def train(config: TrainConfig, validate: Callable[[keras.Model, int], dict] | None = None) -> keras.Model:
    """Trains `config.model` with `config.task` on `config.dataset`, resuming from the newest checkpoint in `output_dir`.

    A checkpoint is written at the end of every epoch (and when `max_steps` stops the run), then
    `validate(model, epoch)` runs if given and its scalars go to TensorBoard and `validation.jsonl`.
    Returns the trained model.
    """
    if config.passes_per_epoch < 1:
        raise TrainingError(f"passes_per_epoch must be at least 1, got {config.passes_per_epoch}")
    _check_resumable(config)
    task = make_task(config)
    data = dataset_spec(config.dataset)
    examples = load_split(
        config.dataset, config.train_split or data.train_split,
        data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt,
    )
    check_input_sizes(examples.element_spec, task.input_options())
    # Seeded after the split is opened: preparing a dataset on first use draws from the global
    # generators, and the initial weights must not depend on whether it was already prepared.
    keras.utils.set_random_seed(config.seed)
    task.build()

    step = tf.Variable(0, dtype=tf.int64, name="step")
    epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    checkpoint = tf.train.Checkpoint(**task.checkpoint_items(), step=step, epoch=epoch)
    manager = tf.train.CheckpointManager(checkpoint, run_directory.checkpoint_dir(config.output_dir), max_to_keep=3)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        print(f"Resuming {config.output_dir} from {manager.latest_checkpoint} (epoch {int(epoch)}, step {int(step)})")
    run_directory.write_config(config.output_dir, config.to_json())

    writer = tf.summary.create_file_writer(run_directory.log_dir(config.output_dir))
    bar = None
    while int(epoch) < config.epochs and not _reached(step, config.max_steps):
        task.start_epoch(int(epoch))
        batches = task.epoch_batches(examples, int(epoch))
        per_epoch = int(batches.cardinality()) if batches.cardinality() >= 0 else None
        if bar is None:
            bar = _run_progress_bar(config, per_epoch, int(epoch), int(step))
        bar.set_description(f"epoch {int(epoch) + 1}/{config.epochs}")
        started, pairs, completed = time.perf_counter(), 0, True
        for index, batch in enumerate(batches, start=1):
            losses = {name: float(value) for name, value in task.train_step(batch).items()}
            step.assign_add(1)
            pairs += int(batch["query"].shape[0])
            rate = pairs / (time.perf_counter() - started)
            bar.set_postfix(**{name: f"{value:.4f}" for name, value in losses.items()}, pairs_per_s=f"{rate:.1f}", refresh=False)
            bar.update(1)
            with writer.as_default(step=int(step)):
                for name, value in losses.items():
                    tf.summary.scalar(f"train/{name}", value)
                tf.summary.scalar("train/pairs_per_second", rate)
            if _reached(step, config.max_steps) and index != per_epoch:
                completed = False
                break
        if completed:
            epoch.assign_add(1)
        manager.save(checkpoint_number=int(step))
        if validate is not None:
            _record_validation(config, validate(task.model, int(epoch)), int(epoch), int(step), writer)
    if bar is not None:
        bar.close()
    return task.model


def _run_progress_bar(config: TrainConfig, per_epoch: int | None, epoch: int, step: int) -> tqdm:
    """One bar for the whole run, so its ETA is the run's; says first how much work is ahead."""
    planned = None if per_epoch is None else step + (config.epochs - epoch) * per_epoch
    if config.max_steps is not None:
        planned = config.max_steps if planned is None else min(planned, config.max_steps)
    if planned is not None:
        tqdm.write(
            f"Training {planned - step} steps of {config.batch_size} pairs (epochs {epoch + 1}-{config.epochs}, "
            f"{per_epoch} steps each), validating after each epoch; the bar's ETA covers the whole run."
        )
    return tqdm(total=planned, initial=step, unit="step", dynamic_ncols=True)


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
