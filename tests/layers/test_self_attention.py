"""SelfAttention: the SAGAN block of Toker's networks against a NumPy oracle, starting as the identity."""

import keras
import numpy as np
import pytest

from layer_test_helper import run_layer_test

from cvgeo.layers.self_attention import SelfAttention


def numpy_attention(x, theta, phi, g, o, gamma):
    """Loop over queries; kernels are [in, out] (the 1x1 convs), pooling 2x2 floor."""
    batch, height, width, channels = x.shape

    def pool(t):
        h, w = t.shape[1] // 2 * 2, t.shape[2] // 2 * 2
        t = t[:, :h, :w]
        return t.reshape(batch, h // 2, 2, w // 2, 2, -1).max(axis=(2, 4))

    keys = pool(x @ phi).reshape(batch, -1, channels // 8)
    values = pool(x @ g).reshape(batch, -1, channels // 2)
    queries = (x @ theta).reshape(batch, -1, channels // 8)
    out = np.zeros((batch, height * width, channels // 2))
    for b in range(batch):
        for i in range(height * width):
            logits = keys[b] @ queries[b, i]
            weights = np.exp(logits - logits.max())
            out[b, i] = (weights / weights.sum()) @ values[b]
    return gamma * (out.reshape(batch, height, width, -1) @ o) + x


def test_matches_the_oracle_and_starts_as_identity():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 6, 16)).astype(np.float32)  # odd height: the pooling floors
    result = run_layer_test(SelfAttention, {}, x, (2, 5, 6, 16), atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(result.output, x)  # gamma starts at 0
    layer = result.layer
    layer.gamma.assign(0.7)
    kernels = [getattr(layer, n).layer.kernel.numpy()[0, 0] for n in ("theta", "phi", "g", "o")]
    expected = numpy_attention(x.astype(np.float64), *kernels, 0.7)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-5)


def test_weights_are_the_originals():
    layer = SelfAttention()
    layer(np.zeros((1, 4, 4, 256), np.float32))
    shapes = {w.path.split("/", 1)[1]: tuple(w.shape) for w in layer.trainable_weights}
    # Attention(256): no biases anywhere; 8,192 + 8,192 + 32,768 + 32,768 + gamma.
    assert sum(int(np.prod(s)) for s in shapes.values()) == 256 * 32 * 2 + 256 * 128 * 2 + 1
    assert not any("bias" in name for name in shapes)
    with pytest.raises(ValueError, match="multiple of 8"):
        SelfAttention()(np.zeros((1, 4, 4, 12), np.float32))
