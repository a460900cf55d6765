"""Adam with TF's fused per-variable kernel, the update TF1's AdamOptimizer ran."""

import keras
import tensorflow as tf


class FusedAdam(keras.optimizers.Adam):
    """Keras Adam whose update is one `ResourceApplyAdam` kernel per variable.

    Same mathematics, hyper-parameters, slots and checkpoint layout as `keras.optimizers.Adam`
    (without amsgrad), but Keras 3 spells the update as about ten element-wise ops, which on a CPU
    takes ~3x as long as the fused kernel; for CVM-Net's 134 M-parameter FC that is most of a step at
    small image sizes (BENCHMARKS.md, `benchmarks/adam_update_throughput.py`).
    """

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype),
            beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.convert_to_tensor(gradient, dtype),
        )
