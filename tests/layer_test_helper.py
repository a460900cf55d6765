"""`run_layer_test`: what every cvgeo layer must do, checked in one call (after keras-hub's `run_layer_test`).

A layer is used eagerly (`embed_*` helpers), inside `tf.function` (the compiled train step), inside
`tf.data.Dataset.map` (input pipelines), in functional graphs with an unknown batch size (every model),
and rebuilt from its config (saving, `CrossViewModel.from_config`). Each of these must give the same
numbers; the layer tests call this helper, then check values against their own oracles.
"""

from collections.abc import Sequence
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf


class LayerTestResult(NamedTuple):
    """The built layer (for checks of its weights) and its eager output on the test input."""

    layer: keras.layers.Layer
    output: np.ndarray


def run_layer_test(
    layer_cls: type[keras.layers.Layer],
    init_kwargs: dict,
    input_data: np.ndarray | Sequence[np.ndarray],
    expected_output_shape: tuple[int, ...],
    *,
    atol: float = 1e-6,
    rtol: float = 1e-6,
) -> LayerTestResult:
    """Builds `layer_cls(**init_kwargs)`, calls it on `input_data` and checks that

    - the eager output has `expected_output_shape`, and so does a call on `keras.Input`s of an unknown
      batch size (except the batch dimension);
    - the output is the same (allclose) inside `tf.function` and inside `tf.data.Dataset.map`;
    - `layer_cls.from_config(layer.get_config())` has the same config and, with the weights copied,
      gives the same output.

    `input_data` is one array, or a list of arrays for layers called on a list (e.g. Hypercolumn).
    """
    several = isinstance(input_data, (list, tuple))
    inputs = [np.asarray(x) for x in input_data] if several else np.asarray(input_data)

    layer = layer_cls(**init_kwargs)
    output = keras.ops.convert_to_numpy(layer(inputs))
    assert output.shape == tuple(expected_output_shape), (
        f"{layer_cls.__name__} output shape {output.shape}, expected {tuple(expected_output_shape)}"
    )

    def close(actual, what: str) -> None:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(actual), output, atol=atol, rtol=rtol,
            err_msg=f"{layer_cls.__name__}: {what} differs from the eager call",
        )

    close(tf.function(layer)(inputs), "tf.function")
    if several:
        mapped = tf.data.Dataset.from_tensors(tuple(inputs)).map(lambda *tensors: layer(list(tensors)))
    else:
        mapped = tf.data.Dataset.from_tensors(inputs).map(layer)
    close(next(iter(mapped)), "inside tf.data.Dataset.map")

    symbolic_inputs = ([keras.Input(x.shape[1:], dtype=x.dtype) for x in inputs] if several
                       else keras.Input(inputs.shape[1:], dtype=inputs.dtype))
    symbolic = layer_cls(**init_kwargs)(symbolic_inputs)
    assert tuple(symbolic.shape) == (None, *expected_output_shape[1:]), (
        f"{layer_cls.__name__} symbolic output shape {symbolic.shape}, expected (None, *{expected_output_shape[1:]})"
    )

    config = layer.get_config()
    rebuilt = layer_cls.from_config(config)
    rebuilt(inputs)  # builds its weights
    rebuilt.set_weights(layer.get_weights())
    assert rebuilt.get_config() == config, f"{layer_cls.__name__}: config changed in the round trip"
    close(rebuilt(inputs), "the layer rebuilt from its config")
    return LayerTestResult(layer, output)
