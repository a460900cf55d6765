"""SAFA's spatial-aware aggregation against an explicit loop over heads, positions and channels."""

import numpy as np
import pytest

from cvgeo.layers.spatial_aware_attention import SpatialAwareAggregation
from tests.layer_test_helper import run_layer_test


def loop_reference(feature_map, w1, b1, w2, b2, pool):
    batch, h, w, c = feature_map.shape
    heads = w1.shape[2]
    local = feature_map.reshape(batch, h * w, c).astype(np.float64)
    out = np.zeros((batch, heads * c))
    for b in range(batch):
        v = local[b].mean(axis=1) if pool == "mean" else local[b].max(axis=1)
        for d in range(heads):
            hidden = v @ w1[:, :, d] + b1[0, :, d]
            attention = hidden @ w2[:, :, d] + b2[0, :, d]
            for ch in range(c):
                out[b, d * c + ch] = np.dot(local[b, :, ch], attention)  # d-major
    return out


@pytest.mark.parametrize("pool", ["mean", "max"])
def test_matches_loop_with_d_major_layout(pool):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    layer = run_layer_test(SpatialAwareAggregation, {"heads": 3, "pool": pool}, x, (2, 15)).layer
    assert tuple(layer.weights1.shape) == (12, 6, 3) and tuple(layer.biases2.shape) == (1, 12, 3)
    values = [rng.normal(size=tuple(v.shape)).astype(np.float32) for v in (layer.weights1, layer.biases1, layer.weights2, layer.biases2)]
    for variable, value in zip((layer.weights1, layer.biases1, layer.weights2, layer.biases2), values):
        variable.assign(value)
    np.testing.assert_allclose(layer(x).numpy(), loop_reference(x, *values, pool), rtol=1e-4, atol=1e-4)


def test_rejects_unknown_pool():
    with pytest.raises(ValueError, match="pool"):
        SpatialAwareAggregation(pool="sum")
