"""What one training method owns, behind the one loop of `cvgeo.training.trainer`.

The TF Model Garden pattern: the loop knows checkpoints, summaries, resume, progress and the
validation schedule; a task knows which inputs it needs, its networks, losses, optimizers and
step, and what validation computes. A task may hold several networks and optimizers (Toker et al.'s
GAN) or change its batches between steps (CrossLocate's mining): everything it must keep across a
resume it lists in `checkpoint_items`, and `start_epoch` sees every epoch boundary.
"""

import abc
import functools

import keras
import tensorflow as tf

from cvgeo.data import dataset_spec, load_indexed_split
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.training.config import TrainConfig
from cvgeo.training.train_step import StepResult
from cvgeo.training.vigor_batches import VigorEpochs, samples_by_tile


class Task(abc.ABC):
    """One training method. Subclasses build their networks in `build` (after the loop has seeded
    the random generators) and return named scalar losses from `train_step` ("loss" first).

    The loop also checkpoints the random-generator states of the Keras networks in `checkpoint_items`
    (dropout seeds), so a resumed run draws what an uninterrupted one would."""

    def __init__(self, config: TrainConfig, strategy: tf.distribute.Strategy | None = None):
        self.config = config
        # The loop builds the task in `strategy.scope()` and passes it distributed batches; a step
        # gathers what compares examples across replicas (`cvgeo.training.replicas`).
        self.strategy = strategy or tf.distribute.get_strategy()

    @abc.abstractmethod
    def build(self) -> None:
        """Creates the networks, optimizers (through `precision_optimizer`) and the compiled step
        (XLA-compiled when `config.jit_compile`); runs under the run's Keras dtype policy."""

    @property
    @abc.abstractmethod
    def model(self) -> CrossViewModel:
        """The retrieval network: what validation describes and a run exports."""

    @abc.abstractmethod
    def checkpoint_items(self) -> dict:
        """Every trackable a checkpoint must hold to resume this task exactly (networks, optimizers)."""

    @abc.abstractmethod
    def input_options(self) -> PairInputOptions:
        """What the task reads from each dataset example and how it is prepared."""

    @abc.abstractmethod
    def train_step(self, batch: dict) -> dict[str, tf.Tensor] | StepResult:
        """One optimisation step on `batch`; returns scalar losses by name, the overall one as "loss",
        or a `StepResult` with them and the gradients' global norm, so that the loop also stops at
        non-finite gradients."""

    def precision_optimizer(self, optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
        """`optimizer`, with dynamic loss scaling when the run trains in float16 (`mixed_precision="fp16"`)."""
        if self.config.mixed_precision == "fp16":
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def start_epoch(self, epoch: int) -> None:
        """Called before each epoch (0-based): schedules and refreshed mining state go here."""

    def epoch_batches(self, examples: tf.data.Dataset, epoch: int) -> tf.data.Dataset:
        """The batches of one epoch: `passes_per_epoch` passes over the split, each shuffled by its own
        seed (VIGOR-style splits: drawn by tile instead).

        Pass p of epoch e is seeded as pass e * passes + p of a one-pass-per-epoch run, so the batch order
        does not depend on how passes are grouped into epochs.
        """
        config = self.config
        seeds = [config.seed * 100_003 + epoch * config.passes_per_epoch + index for index in range(config.passes_per_epoch)]
        if samples_by_tile(examples.element_spec):
            # VIGOR: each pass is int(P/B) batches drawn by positive tile, with no tile shared in a
            # batch, as VIGOR's dataloader draws them (a semi-positive would be a false negative).
            epochs = self._vigor_epochs
            passes = (
                pair_pipeline(
                    epochs.examples(seed, config.batch_size), self.input_options(), batch_size=config.batch_size,
                    training=True, seed=seed, shuffle_buffer=None,
                )
                for seed in seeds
            )
        else:
            passes = (
                pair_pipeline(examples, self.input_options(), batch_size=config.batch_size, training=True, seed=seed)
                for seed in seeds
            )
        return functools.reduce(tf.data.Dataset.concatenate, passes)

    @functools.cached_property
    def _vigor_epochs(self) -> VigorEpochs:
        """The training split with random access and its tile indices (read once per run)."""
        config = self.config
        split = load_indexed_split(
            config.dataset, config.train_split or dataset_spec(config.dataset).train_split,
            data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt,
        )
        return VigorEpochs(split)
