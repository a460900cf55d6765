"""The shared layer check catches what it claims to: wrong shapes, graph-only differences, lossy configs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.layer_test_helper import run_layer_test

X = np.arange(6, dtype=np.float32).reshape(2, 3)


class Scale(keras.layers.Layer):
    def __init__(self, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


class ForgetsItsScale(Scale):
    def get_config(self):
        return keras.layers.Layer.get_config(self)


class EagerOnly(keras.layers.Layer):
    def call(self, x):
        return x + (1.0 if tf.executing_eagerly() else 0.0)


def test_a_well_behaved_layer_passes():
    np.testing.assert_array_equal(run_layer_test(Scale, {"scale": 2.0}, X, (2, 3)).output, 2 * X)


@pytest.mark.parametrize("layer_cls, expected_shape, message", [
    (Scale, (2, 4), "output shape"),
    (EagerOnly, (2, 3), "tf.function"),
    (ForgetsItsScale, (2, 3), "rebuilt from its config"),
])
def test_misbehaving_layers_fail(layer_cls, expected_shape, message):
    with pytest.raises(AssertionError, match=message):
        run_layer_test(layer_cls, {"scale": 3.0} if issubclass(layer_cls, Scale) else {}, X, expected_shape)
