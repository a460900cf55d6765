"""Batch normalisation over the global batch when a step runs on several replicas."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class GlobalBatchNormalization(keras.layers.BatchNormalization):
    """Keras `BatchNormalization` whose training statistics span every replica of a `tf.distribute` step.

    So 2 replicas x B pairs train as one device with 2B pairs (`cvgeo.training.replicas`). The
    moments are two-pass on any number of replicas, as Keras' layer computes them on one: Keras' own
    `synchronized=True` takes E[x^2] - E[x]^2, which loses about 1e-4 of a small variance to
    cancellation in float32 (ResNet-34's deep features at a small batch). (The originals that have
    batch normalisation ran PyTorch DataParallel, whose statistics are per GPU.)
    """

    def _moments(self, inputs, mask):
        context = tf.distribute.get_replica_context()
        if mask is not None or context is None or context.num_replicas_in_sync == 1:
            return super()._moments(inputs, mask)
        return global_moments(context, inputs, self._reduction_axes)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("synchronized", None)  # always global; not an option of this layer
        return config


def global_moments(context: tf.distribute.ReplicaContext, inputs: tf.Tensor, axes: list[int]) -> tuple[tf.Tensor, tf.Tensor]:
    """Mean and variance over `axes` of the inputs of every replica, in two passes (as `tf.nn.moments`
    on their concatenation); 16-bit inputs are reduced in float32, as Keras does."""
    dtype = inputs.dtype
    values = tf.cast(inputs, tf.float32) if dtype in (tf.float16, tf.bfloat16) else inputs
    local_count = tf.reduce_prod(tf.gather(tf.shape(values), axes))
    count = tf.cast(context.all_reduce(tf.distribute.ReduceOp.SUM, local_count), values.dtype)
    mean = context.all_reduce(tf.distribute.ReduceOp.SUM, tf.reduce_sum(values, axes, keepdims=True)) / count
    squares = tf.reduce_sum(tf.math.squared_difference(values, tf.stop_gradient(mean)), axes)
    variance = context.all_reduce(tf.distribute.ReduceOp.SUM, squares) / count
    return tf.cast(tf.squeeze(mean, axes), dtype), tf.cast(variance, dtype)
