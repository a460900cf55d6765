"""The compiled training step shared by every two-branch network."""

from collections.abc import Callable

import keras
import tensorflow as tf


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: Callable[..., tf.Tensor],
) -> Callable[[dict], tf.Tensor]:
    """A `tf.function` that runs one optimisation step on a batch and returns its loss.

    `loss_fn(query_descriptors, reference_descriptors, batch)` receives the batch too, so losses can
    use positions (the CVACT distance mask) without a second step function.
    """
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function(reduce_retracing=True)
    def train_step(batch: dict) -> tf.Tensor:
        with tf.GradientTape() as tape:
            query, reference = model((batch["query"], batch["reference"]), training=True)
            loss = loss_fn(query, reference, batch)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    return train_step
