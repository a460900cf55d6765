"""The compiled training step shared by every two-branch network, on one device or several replicas."""

from collections.abc import Callable
from typing import NamedTuple

import keras
import tensorflow as tf

from cvgeo.training import replicas

Losses = tf.Tensor | dict[str, tf.Tensor]


class StepResult(NamedTuple):
    """What a step returns: its named losses (what the loop logs) and the global norm of the gradients
    it applied, computed in the step so that the loop can stop at non-finite gradients for a reduction.
    None under dynamic loss scaling, whose optimizer skips a step with non-finite gradients itself."""

    losses: Losses
    gradient_norm: tf.Tensor | None


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: Callable[..., Losses],
    forward: Callable[[dict], tuple] | None = None,
    jit_compile: bool = False,
    strategy: tf.distribute.Strategy | None = None,
) -> Callable[[dict], StepResult]:
    """A `tf.function` that runs one optimisation step on a batch: what `loss_fn` returns and the
    gradients' global norm.

    `forward(batch)` gives the model outputs the loss needs (default: the query and reference
    descriptors of `model((batch["query"], batch["reference"]), training=True)`; an STN model also
    gives its warped aerial). `loss_fn(*outputs, batch)` receives the batch too, so losses can use
    positions (the CVACT distance mask) or other inputs (the polar target). It returns the loss, or
    named losses whose "loss" entry is minimised.

    Under a `strategy` with several replicas, `batch` is a distributed batch; the outputs and the
    batch's numeric entries reach `loss_fn` gathered from every replica, so the loss (and, through
    `replicas.replica_share`, the summed gradient) is that of the whole batch on one device.

    Mixed precision: the outputs reach `loss_fn` as float32 (losses and similarity matrices stay
    float32 whatever the layers compute in), and a `keras.optimizers.LossScaleOptimizer` (fp16) gets
    its scaled loss. `jit_compile` compiles the step with XLA; the step then sees only the batch's
    numeric entries (XLA has no strings: keys and file names stay outside).
    """
    if forward is None:
        forward = lambda batch: model((batch["query"], batch["reference"]), training=True)  # noqa: E731
    strategy = strategy or tf.distribute.get_strategy()
    variables = model.trainable_variables
    optimizer.build(variables)

    loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)

    def replica_step(batch: dict) -> StepResult:
        numeric = {key: value for key, value in batch.items() if value.dtype != tf.string}
        with tf.GradientTape() as tape:
            outputs = replicas.global_batch([tf.cast(output, tf.float32) for output in forward(batch)])
            losses = loss_fn(*outputs, replicas.global_batch(numeric))
            total = losses["loss"] if isinstance(losses, dict) else losses
            scaled = optimizer.scale_loss(replicas.replica_share(total))
        gradient_norm = replicas.apply_gradients(optimizer, tape.gradient(scaled, variables), variables)
        # Under loss scaling the norm is of scaled gradients, and the optimizer skips non-finite steps itself.
        return StepResult(losses, None if loss_scaled else gradient_norm)

    @tf.function(reduce_retracing=True, jit_compile=jit_compile)
    def train_step(batch: dict) -> StepResult:
        return replicas.run_step(strategy, replica_step, batch)

    if jit_compile:
        return lambda batch: train_step({key: value for key, value in batch.items() if value.dtype != tf.string})
    return train_step
