"""A `run_layer_test`-style check for cvgeo's Keras layers: eager, graph, symbolic and config agree."""

import keras
import numpy as np
import tensorflow as tf


def check_layer(layer: keras.layers.Layer, inputs, *, rtol: float = 1e-5, atol: float = 1e-5) -> np.ndarray:
    """Asserts that `layer(inputs)` is the same eagerly, inside a tf.function with an unknown batch
    size, and from a copy rebuilt by `from_config(get_config())` with the same weights; and that a
    symbolic call predicts the output shape. `inputs` is one array or a list of arrays. Returns the
    eager output.
    """
    arrays = [np.asarray(a) for a in inputs] if isinstance(inputs, (list, tuple)) else [np.asarray(inputs)]
    pack = (lambda xs: list(xs)) if isinstance(inputs, (list, tuple)) else (lambda xs: xs[0])
    eager = np.asarray(layer(pack([tf.constant(a) for a in arrays])))

    signature = [tf.TensorSpec([None, *a.shape[1:]], tf.as_dtype(a.dtype)) for a in arrays]
    graph = tf.function(lambda *xs: layer(pack(xs)), input_signature=signature)
    np.testing.assert_allclose(np.asarray(graph(*arrays)), eager, rtol=rtol, atol=atol)

    symbolic = layer(pack([keras.Input(a.shape[1:], dtype=str(a.dtype)) for a in arrays]))
    assert tuple(symbolic.shape) == (None, *eager.shape[1:]), (symbolic.shape, eager.shape)

    copy = type(layer).from_config(layer.get_config())
    copy(pack([tf.constant(a) for a in arrays]))
    copy.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(copy(pack([tf.constant(a) for a in arrays]))), eager, rtol=rtol, atol=atol)
    return eager
