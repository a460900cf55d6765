"""W = W_orig / sigma with sigma = u^T mat(W_orig) v, checked by hand and against the SVD (NumPy, no torch)."""

import numpy as np
import pytest

from cvgeo.checkpoints.spectral_norm_export import spectral_normalized_weight, spectral_sigma


def test_hand_checked_sigma():
    # A 1x1 conv 2 -> 2 whose matrix is diag(3, 1); u = v = e1 pick the 3.
    weight = np.zeros((2, 2, 1, 1), np.float32)
    weight[0, 0], weight[1, 1] = 3.0, 1.0
    u = v = np.array([1.0, 0.0])
    assert spectral_sigma(weight, u, v) == 3.0
    np.testing.assert_allclose(spectral_normalized_weight(weight, u, v)[:, :, 0, 0], [[1.0, 0.0], [0.0, 1 / 3]])
    # Other vectors give another sigma: the stored u and v are used, not the exact SVD.
    assert spectral_sigma(weight, np.array([0.6, 0.8]), np.array([0.6, 0.8])) == pytest.approx(3 * 0.36 + 0.64)


def test_converged_vectors_normalise_to_unit_spectral_norm():
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(8, 4, 3, 3)).astype(np.float32)  # OIHW
    left, singular, right = np.linalg.svd(weight.reshape(8, -1))
    normalised = spectral_normalized_weight(weight, left[:, 0], right[0])
    assert normalised.shape == weight.shape
    assert np.linalg.norm(normalised.reshape(8, -1), ord=2) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(normalised, weight / singular[0], rtol=1e-5)
