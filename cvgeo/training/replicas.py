"""What a train step does to act on the global batch when it runs on several replicas.

A step runs once per replica on that replica's slice of the batch (`run_step`). Losses that compare
examples with each other (in-batch negatives) are computed on the descriptors of the whole batch,
gathered from every replica (`global_batch`); every replica then holds the same loss. The replicas'
gradients are summed (`apply_gradients`) and the gradient of `all_gather` sums what every replica
sends back to a slice, so each replica minimises `replica_share(loss)` = loss / R: the summed
gradient is then that of the loss on the whole batch, as one device with the global batch computes
it. Per-example means (L1, the GAN terms) are means over an equal slice on each replica, and their
shares add up to the mean over the global batch in the same way.
"""

from collections.abc import Callable

import keras
import tensorflow as tf


def _context() -> tf.distribute.ReplicaContext:
    return tf.distribute.get_replica_context()


def replica_count() -> int:
    """Replicas taking part in the step being traced (1 outside tf.distribute)."""
    return _context().num_replicas_in_sync


def global_batch(values):
    """`values` (a nest of tensors batched on axis 0) concatenated over the replicas, in replica order."""
    context = _context()
    if context.num_replicas_in_sync == 1:
        return values
    devices = context.strategy.extended.worker_devices
    if len(devices) == 1:
        # One device per worker (multi_worker): the step's tensors carry no device, and `all_gather`
        # sends them to the device the tensor names; place them on the worker's device explicitly.
        with tf.device(devices[0]):
            values = tf.nest.map_structure(tf.identity, values)
    return context.all_gather(values, axis=0)


def replica_share(loss: tf.Tensor) -> tf.Tensor:
    """What one replica minimises so that the summed gradient is that of `loss` on the global batch."""
    count = replica_count()
    return loss if count == 1 else loss / count


def apply_gradients(optimizer: keras.optimizers.Optimizer, gradients: list, variables: list) -> tf.Tensor:
    """Sums the gradients over the replicas, applies them with `optimizer` and returns their global norm.

    Keras' optimizer would sum them itself; summing here instead costs nothing extra and gives the
    norm of the gradient actually applied, the same on every replica. From its first multi-replica
    step on, `optimizer` leaves the summing to this function.
    """
    pairs = [(gradient, variable) for gradient, variable in zip(gradients, variables) if gradient is not None]
    gradients, variables = [gradient for gradient, _ in pairs], [variable for _, variable in pairs]
    if replica_count() > 1:
        gradients = _context().all_reduce(tf.distribute.ReduceOp.SUM, gradients)
        # Keras' TFOptimizer sums in `_all_reduce_sum_gradients`; a LossScaleOptimizer applies through
        # its inner optimizer. Set once and never removed: the replicas trace this concurrently.
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        inner._all_reduce_sum_gradients = _already_summed
    optimizer.apply_gradients(zip(gradients, variables))
    return tf.linalg.global_norm(gradients)


def _already_summed(pairs):
    return pairs


def run_step(strategy: tf.distribute.Strategy, step: Callable, batch):
    """Runs `step(batch slice)` on every replica (inside a `tf.function`); each value it returns
    is averaged over the replicas (a loss on the gathered batch is the same on every replica)."""
    results = strategy.run(step, args=(batch,))
    if strategy.num_replicas_in_sync == 1:
        return results
    return tf.nest.map_structure(
        lambda value: None if value is None else strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None), results
    )
