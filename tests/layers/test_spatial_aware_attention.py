"""SAFA's spatial-aware aggregation against an explicit loop over heads, positions and channels."""

import numpy as np
import pytest

from cvgeo.layers.spatial_aware_attention import SpatialAwareAggregation
from tests.layer_test_helper import run_layer_test


def loop_reference(feature_map, w1, b1, w2, b2, pool, layout="d_major"):
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
                index = d * c + ch if layout == "d_major" else ch * heads + d
                out[b, index] = np.dot(local[b, :, ch], attention)
    return out


@pytest.mark.parametrize("pool, layout", [("mean", "d_major"), ("max", "d_major"), ("max", "c_major")])
def test_matches_loop(pool, layout):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    layer = run_layer_test(SpatialAwareAggregation, {"heads": 3, "pool": pool, "layout": layout}, x, (2, 15)).layer
    assert tuple(layer.weights1.shape) == (12, 6, 3) and tuple(layer.biases2.shape) == (1, 12, 3)
    values = [rng.normal(size=tuple(v.shape)).astype(np.float32) for v in (layer.weights1, layer.biases1, layer.weights2, layer.biases2)]
    for variable, value in zip((layer.weights1, layer.biases1, layer.weights2, layer.biases2), values):
        variable.assign(value)
    np.testing.assert_allclose(layer(x).numpy(), loop_reference(x, *values, pool, layout), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("weights_init, beyond_two_sigma", [("truncated_normal", False), ("normal", True)])
def test_initialisation(weights_init, beyond_two_sigma):
    layer = SpatialAwareAggregation(heads=8, weights_init=weights_init)
    layer.build((None, 14, 20, 4))  # 280 x 140 x 8 weights
    weights = layer.weights1.numpy()
    assert abs(weights.std() - (0.0044 if weights_init == "truncated_normal" else 0.005)) < 2e-4
    assert (np.abs(weights).max() > 2 * 0.005) == beyond_two_sigma
    np.testing.assert_array_equal(layer.biases2.numpy(), np.float32(0.1))


def test_config_round_trip():
    layer = SpatialAwareAggregation(heads=2, pool="max", layout="c_major", weights_init="normal", name="sa")
    again = SpatialAwareAggregation.from_config(layer.get_config())
    assert (again.heads, again.pool, again.layout, again.weights_init, again.name) == (2, "max", "c_major", "normal", "sa")


@pytest.mark.parametrize("option", [{"pool": "sum"}, {"layout": "hw_major"}, {"weights_init": "zeros"}])
def test_rejects_unknown_options(option):
    with pytest.raises(ValueError, match=next(iter(option))):
        SpatialAwareAggregation(**option)
