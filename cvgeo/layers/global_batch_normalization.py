"""Batch normalisation over the global batch when a step runs on several replicas."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class GlobalBatchNormalization(keras.layers.BatchNormalization):
    """Keras `BatchNormalization` whose training statistics span every replica of a `tf.distribute` step.

    So 2 replicas x B pairs train as one device with 2B pairs (`cvgeo.training.replicas`). On one
    replica it computes exactly what Keras' layer does (two-pass moments); Keras' own
    `synchronized=True` would switch even that case to E[x^2] - E[x]^2 and an all-reduce. (The
    originals that have batch normalisation ran PyTorch DataParallel, whose statistics are per GPU.)
    """

    def _moments(self, inputs, mask):
        context = tf.distribute.get_replica_context()
        self.synchronized = context is not None and context.num_replicas_in_sync > 1
        try:
            return super()._moments(inputs, mask)
        finally:
            self.synchronized = False

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("synchronized", None)
        return config
