"""The compiled training step shared by every two-branch network."""

from collections.abc import Callable

import keras
import tensorflow as tf

Losses = tf.Tensor | dict[str, tf.Tensor]


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: Callable[..., Losses],
) -> Callable[[dict], Losses]:
    """A `tf.function` that runs one optimisation step on a batch and returns what `loss_fn` returns.

    `loss_fn(query_descriptors, reference_descriptors, batch)` receives the batch too, so losses can
    use positions (the CVACT distance mask) or other inputs (an STN's polar target) without a second
    step function. It returns the loss, or named losses whose "loss" entry is minimised.
    """
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function(reduce_retracing=True)
    def train_step(batch: dict) -> Losses:
        with tf.GradientTape() as tape:
            query, reference = model((batch["query"], batch["reference"]), training=True)
            losses = loss_fn(query, reference, batch)
            total = losses["loss"] if isinstance(losses, dict) else losses
        gradients = tape.gradient(total, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return losses

    return train_step
