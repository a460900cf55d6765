"""Toker et al.'s task: a conditional GAN draws the street view from the polar aerial while a retrieval
network learns on the generator's bottleneck (aysim/comingdowntoearth `utils/rgan_wrapper.py`, spec 3.6).

One step runs the generator once, then three updates in the original's order:
  1. D: 0.5 (BCE(D(polar, street), 0.9) + BCE(D(polar, fake.detach()), 0)), Adam on D;
  2. R: the hard-negative soft margin between R(resb6.detach()) and R(street), Adam on R only;
  3. G: BCE(D(polar, fake), 0.9) + 1000 L_ret + 100 L1(fake, street), gradients through the
     frozen (just updated) D and R into G, Adam on G.
The hard-negative ratio follows the epoch (1.0 / 0.1 / 0.05 / 0.01 after epochs 20 / 40 / 60).
With `positive_radius` set on a dataset with positions (CVACT's UTM), both retrieval losses are the
CVACT variant that masks pairs closer than the radius (`rgan_wrapper_cvact.py`, `compute_cvact_loss`).
On several replicas the retrieval losses mine their negatives in the descriptors (and positions) of
the global batch, and every update sums the replicas' gradients (`cvgeo.training.replicas`), as one
device would.
Every loss goes to TensorBoard through the trainer; at the start of each epoch the task writes a few
synthesised street views (polar | synthesised | real) under `synthesized` in the run's log folder.
"""

import os

import keras
import tensorflow as tf

from cvgeo.data import dataset_spec
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.errors import CvgeoError
from cvgeo.inference import run_directory
from cvgeo.losses import (
    cvact_hard_negative_soft_margin_loss,
    discriminator_loss,
    generator_adversarial_loss,
    generator_loss,
    hard_negative_ratio,
    hard_negative_soft_margin_loss,
)
from cvgeo.models import build, model_spec
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.toker import build_toker_discriminator
from cvgeo.training.config import TrainConfig
from cvgeo.training import replicas
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.tasks.task import Task

TASK_OPTIONS = {"ground_interpolation", "joint_flip", "summary_images"}
# Synthesised street views written to TensorBoard at each epoch start.
SUMMARY_IMAGES = 3


class TokerTask(Task):
    """Generator, discriminator and retrieval network trained together, each with its own Adam.

    task_options: `ground_interpolation` ("cubic" as Toker's CVUSA loader, or "area"), `joint_flip`
    (the original's joint horizontal flip of polar aerial and panorama, default on) and
    `summary_images` (synthesised views written per epoch, default 3, 0 = none).
    """

    def __init__(self, config: TrainConfig, strategy: tf.distribute.Strategy | None = None):
        super().__init__(config, strategy)
        unknown = sorted(set(config.task_options) - TASK_OPTIONS)
        if unknown:
            raise CvgeoError(f"task 'toker' has no option {', '.join(unknown)}; its options: {', '.join(sorted(TASK_OPTIONS))}")
        self.summary_images = int(config.task_options.get("summary_images", SUMMARY_IMAGES))
        self._preview: tuple[tf.Tensor, tf.Tensor] | None = None
        self._writer = None
        self._positions: str | None = None
        if config.positive_radius:
            self._positions = dataset_spec(config.dataset).coordinates
            if self._positions is None:
                raise CvgeoError(f"positive_radius (the CVACT loss mask) needs a dataset with positions; {config.dataset} has none")

    def build(self) -> None:
        config = self.config
        self._model = build(config.model, **config.model_options)
        if not hasattr(self._model, "generator"):
            raise CvgeoError(f"task 'toker' trains a model with a generator (toker); {config.model} has none")
        if config.init_weights:
            from cvgeo.checkpoints import load_imagenet_resnet34

            load_imagenet_resnet34(self._model, config.init_weights)  # the street ResNet-34 (spec 3.5)
        self.discriminator = build_toker_discriminator(self._model.reference_shape)
        # rgan_wrapper.py: three Adams, lr 1e-4, betas (0.5, 0.999) by default.
        make = lambda: FusedAdam(config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2, epsilon=config.epsilon)  # noqa: E731
        self.generator_optimizer, self.discriminator_optimizer, self.retrieval_optimizer = make(), make(), make()
        self._generator_variables = self._model.generator.trainable_variables
        self._retrieval_variables = self._model.query_encoder.trainable_variables + self._model.reference_head.trainable_variables
        self._discriminator_variables = self.discriminator.trainable_variables
        self.generator_optimizer.build(self._generator_variables)
        self.discriminator_optimizer.build(self._discriminator_variables)
        self.retrieval_optimizer.build(self._retrieval_variables)
        self.hard_ratio = tf.Variable(1.0, trainable=False, dtype=tf.float32, name="hard_negative_ratio")
        self._step = tf.function(lambda batch: replicas.run_step(self.strategy, self._train_step, batch), reduce_retracing=True)

    @property
    def model(self) -> CrossViewModel:
        return self._model

    def checkpoint_items(self) -> dict:
        # The model holds the generator and the retrieval network; the discriminator is apart.
        return {
            "model": self._model,
            "discriminator": self.discriminator,
            "generator_optimizer": self.generator_optimizer,
            "discriminator_optimizer": self.discriminator_optimizer,
            "retrieval_optimizer": self.retrieval_optimizer,
        }

    def input_options(self) -> PairInputOptions:
        config, spec = self.config, model_spec(self.config.model)
        shapes = _shapes(config)
        return PairInputOptions(
            tuple(shapes.get("query_shape", spec.query_shape)),
            tuple(shapes.get("reference_shape", spec.reference_shape)),
            "polar",
            ground_interpolation=config.task_options.get("ground_interpolation", "cubic"),
            joint_flip=bool(config.task_options.get("joint_flip", True)),
        )

    def start_epoch(self, epoch: int) -> None:
        """Sets the hard-negative ratio of `epoch` and writes the synthesised views of the model so far."""
        self.hard_ratio.assign(hard_negative_ratio(epoch))
        if self._preview is not None and self.summary_images:
            self.write_synthesized(epoch)

    def write_synthesized(self, epoch: int) -> None:
        """TensorBoard image `synthesized`: polar aerial | synthesised street | real street, at step `epoch`."""
        polar, street = self._preview
        fake, _ = self._model.generator(polar, training=False)
        rows = tf.concat([self._model.normalize(polar), fake, self._model.normalize(street)], axis=1)
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(run_directory.log_dir(self.config.output_dir), "synthesized"))
        with self._writer.as_default(step=epoch):
            tf.summary.image("synthesized", (rows + 1.0) / 2.0, max_outputs=self.summary_images)
        self._writer.flush()

    def train_step(self, batch: dict) -> dict[str, tf.Tensor]:
        if self._preview is None:
            # The first replica's slice of the first batch (the whole batch on one device).
            first = lambda value: self.strategy.experimental_local_results(value)[0][: self.summary_images]  # noqa: E731
            self._preview = (first(batch["reference"]), first(batch["query"]))
        return self._step(batch)

    def _train_step(self, batch: dict) -> dict[str, tf.Tensor]:
        """One replica's part of the step (the whole step on one device)."""
        model, discriminator, share = self._model, self.discriminator, replicas.replica_share
        polar, street = batch["reference"], batch["query"]
        polar_signed, street_signed = model.normalize(polar), model.normalize(street)
        with tf.GradientTape() as generator_tape:
            # rgan_wrapper.py `forward`: G runs once per iteration; its outputs serve all three updates.
            fake, bottleneck = model.generator(polar, training=True)
            with generator_tape.stop_recording():
                with tf.GradientTape() as tape:
                    fake_logits = discriminator(tf.concat([polar_signed, tf.stop_gradient(fake)], -1), training=True)
                    real_logits = discriminator(tf.concat([polar_signed, street_signed], -1), training=True)
                    d_loss = discriminator_loss(real_logits, fake_logits)
                    d_share = share(d_loss)
                self._apply(self.discriminator_optimizer, tape.gradient(d_share, self._discriminator_variables), self._discriminator_variables)
                with tf.GradientTape() as tape:
                    # `backward_R`: the aerial features detached, so R's loss does not reach G.
                    r_loss = self._retrieval_loss(
                        model.reference_head(tf.stop_gradient(bottleneck), training=True),
                        model.query_encoder(street, training=True),
                        batch,
                    )
                    r_share = share(r_loss)
                self._apply(self.retrieval_optimizer, tape.gradient(r_share, self._retrieval_variables), self._retrieval_variables)
            # `backward_G`: D and R run again (updated, in training mode, as the original's second
            # forward passes) and only G is stepped.
            adversarial = generator_adversarial_loss(discriminator(tf.concat([polar_signed, fake], -1), training=True))
            retrieval = self._retrieval_loss(
                model.reference_head(bottleneck, training=True), model.query_encoder(street, training=True), batch
            )
            l1 = tf.reduce_mean(tf.abs(fake - street_signed))
            g_loss = generator_loss(adversarial, retrieval, l1)
            # Each replica's GAN and L1 terms are means over its slice, the retrieval term the global batch's.
            g_share = share(g_loss)
        self._apply(self.generator_optimizer, generator_tape.gradient(g_share, self._generator_variables), self._generator_variables)
        return {
            "loss": g_loss,
            "discriminator": d_loss,
            "retrieval": r_loss,
            "generator_gan": adversarial,
            "generator_retrieval": retrieval,
            "generator_l1": l1,
        }

    def _retrieval_loss(self, reference: tf.Tensor, query: tf.Tensor, batch: dict) -> tf.Tensor:
        """The hard-negative soft margin on the global batch's descriptors; CVACT's masked variant when
        the task has positions (gathered over the replicas with the descriptors)."""
        config = self.config
        if self._positions is None:
            reference, query = replicas.global_batch([reference, query])
            return hard_negative_soft_margin_loss(reference, query, alpha=config.alpha, hard_ratio=self.hard_ratio)
        # float32 positions as the original's UTM (`data/cvact_utils.py`); the loss casts to it anyway.
        reference, query, positions = replicas.global_batch([reference, query, tf.cast(batch[self._positions], tf.float32)])
        return cvact_hard_negative_soft_margin_loss(
            reference, query, positions, alpha=config.alpha, hard_ratio=self.hard_ratio,
            positive_radius=config.positive_radius,
        )

    @staticmethod
    def _apply(optimizer: keras.optimizers.Optimizer, gradients, variables) -> None:
        replicas.apply_gradients(optimizer, gradients, variables)


def _shapes(config: TrainConfig) -> dict:
    return {key: config.model_options[key] for key in ("query_shape", "reference_shape") if key in config.model_options}
