"""The training loop: data, compiled step, checkpoints every epoch, resume, summaries, validation."""

from collections.abc import Callable
import functools
import json
import os
import time

import keras
import tensorflow as tf
from tqdm import tqdm

from cvgeo.inference import run_directory
from cvgeo.data import dataset_spec, load_split
from cvgeo.errors import CvgeoError
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.losses import soft_margin_triplet_loss
from cvgeo.models import build, model_spec
from cvgeo.training.config import TrainConfig
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.train_step import make_train_step

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


def _loss_function(config: TrainConfig, coordinates: str | None) -> Callable:
    def loss_fn(query, reference, batch):
        positions = batch.get(coordinates) if config.positive_radius and coordinates else None
        return soft_margin_triplet_loss(
            query, reference, alpha=config.alpha, include_diagonal=config.include_diagonal,
            query_xy=positions, reference_xy=positions,
            **({"positive_radius": config.positive_radius} if positions is not None else {}),
        )

    return loss_fn


def train(config: TrainConfig, validate: Callable[[keras.Model, int], dict] | None = None) -> keras.Model:
    """Trains `config.model` on `config.dataset`, resuming from the newest checkpoint in `output_dir`.

    A checkpoint is written at the end of every epoch (and when `max_steps` stops the run), then
    `validate(model, epoch)` runs if given and its scalars go to TensorBoard and `validation.jsonl`.
    Returns the trained model.
    """
    if config.passes_per_epoch < 1:
        raise TrainingError(f"passes_per_epoch must be at least 1, got {config.passes_per_epoch}")
    _check_resumable(config)
    data = dataset_spec(config.dataset)
    spec = model_spec(config.model)
    examples = load_split(
        config.dataset, config.train_split or data.train_split,
        data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt,
    )
    # Seeded after the split is opened: preparing a dataset on first use draws from the global
    # generators, and the initial weights must not depend on whether it was already prepared.
    keras.utils.set_random_seed(config.seed)
    model = build(config.model, **config.model_options)
    if config.init_weights:
        from cvgeo.checkpoints import load_imagenet_vgg16

        load_imagenet_vgg16(model, config.init_weights)
    optimizer = FusedAdam(config.learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    train_step = make_train_step(model, optimizer, _loss_function(config, data.coordinates))

    step = tf.Variable(0, dtype=tf.int64, name="step")
    epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step, epoch=epoch)
    manager = tf.train.CheckpointManager(checkpoint, run_directory.checkpoint_dir(config.output_dir), max_to_keep=3)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        print(f"Resuming {config.output_dir} from {manager.latest_checkpoint} (epoch {int(epoch)}, step {int(step)})")
    run_directory.write_config(config.output_dir, config.to_json())

    writer = tf.summary.create_file_writer(run_directory.log_dir(config.output_dir))
    options = PairInputOptions(
        model.query_shape, model.reference_shape, spec.reference_feature,
        aerial_crop_rotate=config.aerial_crop_rotate, ground_shift=config.ground_shift,
    )
    while int(epoch) < config.epochs and not _reached(step, config.max_steps):
        batches = _epoch_batches(examples, options, config, int(epoch))
        total = int(batches.cardinality()) if batches.cardinality() >= 0 else None
        bar = tqdm(batches, total=total, desc=f"epoch {int(epoch) + 1}/{config.epochs}", unit="batch", dynamic_ncols=True)
        started, pairs, completed = time.perf_counter(), 0, True
        for index, batch in enumerate(bar, start=1):
            loss = float(train_step(batch))
            step.assign_add(1)
            pairs += int(batch["query"].shape[0])
            rate = pairs / (time.perf_counter() - started)
            bar.set_postfix(loss=f"{loss:.4f}", pairs_per_s=f"{rate:.1f}")
            with writer.as_default(step=int(step)):
                tf.summary.scalar("train/loss", loss)
                tf.summary.scalar("train/pairs_per_second", rate)
            if _reached(step, config.max_steps) and index != total:
                completed = False
                break
        bar.close()
        if completed:
            epoch.assign_add(1)
        manager.save(checkpoint_number=int(step))
        if validate is not None:
            _record_validation(config, validate(model, int(epoch)), int(epoch), int(step), writer)
    return model


def _epoch_batches(
    examples: tf.data.Dataset, options: PairInputOptions, config: TrainConfig, epoch: int
) -> tf.data.Dataset:
    """The batches of one epoch: `passes_per_epoch` passes over the split, each shuffled by its own seed.

    Pass p of epoch e is seeded as pass e * passes + p of a one-pass-per-epoch run, so the batch order
    does not depend on how passes are grouped into epochs.
    """
    passes = (
        pair_pipeline(
            examples, options, batch_size=config.batch_size, training=True,
            seed=config.seed * 100_003 + epoch * config.passes_per_epoch + index,
        )
        for index in range(config.passes_per_epoch)
    )
    return functools.reduce(tf.data.Dataset.concatenate, passes)


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
