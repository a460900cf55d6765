"""The compiled training step shared by every two-branch network."""

from collections.abc import Callable
from typing import NamedTuple

import keras
import tensorflow as tf

Losses = tf.Tensor | dict[str, tf.Tensor]


class StepResult(NamedTuple):
    """What a step returns: its named losses (what the loop logs) and the global norm of the gradients
    it applied, computed in the step anyway so that the loop can stop at non-finite gradients for free."""

    losses: Losses
    gradient_norm: tf.Tensor


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: Callable[..., Losses],
    forward: Callable[[dict], tuple] | None = None,
) -> Callable[[dict], StepResult]:
    """A `tf.function` that runs one optimisation step on a batch: what `loss_fn` returns and the
    gradients' global norm.

    `forward(batch)` gives the model outputs the loss needs (default: the query and reference
    descriptors of `model((batch["query"], batch["reference"]), training=True)`; an STN model also
    gives its warped aerial). `loss_fn(*outputs, batch)` receives the batch too, so losses can use
    positions (the CVACT distance mask) or other inputs (the polar target). It returns the loss, or
    named losses whose "loss" entry is minimised.
    """
    if forward is None:
        forward = lambda batch: model((batch["query"], batch["reference"]), training=True)  # noqa: E731
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function(reduce_retracing=True)
    def train_step(batch: dict) -> StepResult:
        with tf.GradientTape() as tape:
            losses = loss_fn(*forward(batch), batch)
            total = losses["loss"] if isinstance(losses, dict) else losses
        gradients = tape.gradient(total, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return StepResult(losses, tf.linalg.global_norm(gradients))

    return train_step
