import numpy as np

from cvgeo.layers.netvlad import NetVLAD
from tests.layer_test_helper import run_layer_test


def _l2(x, axis):
    return x / np.sqrt(np.maximum((x**2).sum(axis=axis, keepdims=True), 1e-12))


def netvlad_reference(feature_map, weights, biases, centres, projection=None):
    """Loop-level numpy NetVLAD written from spec A.3, in float64."""
    batch, height, width, dim = feature_map.shape
    k = weights.shape[1]
    out = []
    for b in range(batch):
        f = _l2(feature_map[b].reshape(-1, dim).astype(np.float64), axis=1)
        logits = f @ weights + biases
        a = np.exp(logits - logits.max(axis=1, keepdims=True))
        a /= a.sum(axis=1, keepdims=True)
        v = np.zeros((dim, k))
        for cluster in range(k):
            for n in range(f.shape[0]):
                v[:, cluster] += a[n, cluster] * (f[n] - centres[0, :, cluster])
        v = _l2(v, axis=0)
        flat = np.array([v[d, c] for d in range(dim) for c in range(k)])  # D-major: d*K + k
        flat = _l2(flat, axis=0)
        out.append(flat @ projection if projection is not None else flat)
    return np.stack(out)


def test_netvlad_matches_loop_reference_with_d_major_layout():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 3, 4, 8)).astype(np.float32)
    layer, result = run_layer_test(NetVLAD, {"num_clusters": 5}, features, (2, 40))
    expected = netvlad_reference(
        features, layer.cluster_weights.numpy(), layer.cluster_biases.numpy(), layer.cluster_weights2.numpy()
    )
    np.testing.assert_allclose(result, expected, atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(result, axis=1), 1.0, atol=1e-6)


def test_netvlad_projection_has_no_bias_and_no_output_normalisation():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(2, 2, 3, 6)).astype(np.float32)
    layer, result = run_layer_test(NetVLAD, {"num_clusters": 4, "output_dim": 7}, features, (2, 7))
    expected = netvlad_reference(
        features, layer.cluster_weights.numpy(), layer.cluster_biases.numpy(),
        layer.cluster_weights2.numpy(), layer.hidden1_weights.numpy(),
    )
    np.testing.assert_allclose(result, expected, atol=2e-6)
    assert [w.name for w in layer.weights] == ["cluster_weights", "cluster_biases", "cluster_weights2", "hidden1_weights"]
    assert not np.allclose(np.linalg.norm(result, axis=1), 1.0)


def test_zero_centres_start_at_zero_and_keep_the_reference_computation():
    features = np.random.default_rng(2).normal(size=(2, 2, 2, 6)).astype(np.float32)
    layer, result = run_layer_test(NetVLAD, {"num_clusters": 3, "zero_centres": True}, features, (2, 18))
    assert not layer.cluster_weights2.numpy().any()
    expected = netvlad_reference(
        features, layer.cluster_weights.numpy(), layer.cluster_biases.numpy(), layer.cluster_weights2.numpy()
    )
    np.testing.assert_allclose(result, expected, atol=2e-6)
