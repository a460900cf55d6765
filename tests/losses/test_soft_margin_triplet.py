import math

import numpy as np
import pytest

from cvgeo.losses import soft_margin_triplet_loss


def loop_loss(q, r, alpha=10.0, include_diagonal=True, xy=None, radius=25.0):
    """Term-by-term version of spec A.9 / B.6."""
    b = len(q)
    d = np.array([[2 - 2 * r[i] @ q[j] for j in range(b)] for i in range(b)])
    g2s = s2g = 0.0
    count = 0
    for i in range(b):
        for j in range(b):
            if xy is None and not include_diagonal and i == j:
                continue
            mask = 1.0
            if xy is not None:
                mask = float(np.sum((xy[i] - xy[j]) ** 2) >= radius**2)
                count += mask
            g2s += math.log1p(math.exp(alpha * mask * (d[j, j] - d[i, j])))
            s2g += math.log1p(math.exp(alpha * mask * (d[i, i] - d[i, j])))
    norm = count if xy is not None else b * (b - 1)
    return (g2s / norm + s2g / norm) / 2


def test_hand_computed_two_pairs():
    # q0 = r0 = e0, q1 = r1 = e1: positives at distance 0, negatives at 2.
    q = np.eye(2, dtype=np.float32)
    value = float(soft_margin_triplet_loss(q, q))
    # each direction: (2 * log 2 + 2 * softplus(-20)) / 2
    expected = math.log(2) + math.log1p(math.exp(-20))
    assert value == pytest.approx(expected, rel=1e-6)
    without_diagonal = float(soft_margin_triplet_loss(q, q, include_diagonal=False))
    assert without_diagonal == pytest.approx(math.log1p(math.exp(-20)), rel=1e-4)


@pytest.mark.parametrize("include_diagonal", [True, False])
def test_matches_loop_version(include_diagonal):
    rng = np.random.default_rng(3)
    q = rng.normal(size=(5, 8)); q /= np.linalg.norm(q, axis=1, keepdims=True)
    r = rng.normal(size=(5, 8)); r /= np.linalg.norm(r, axis=1, keepdims=True)
    value = float(soft_margin_triplet_loss(q.astype(np.float32), r.astype(np.float32), include_diagonal=include_diagonal))
    assert value == pytest.approx(loop_loss(q, r, include_diagonal=include_diagonal), rel=1e-5)


def test_cvact_distance_mask():
    rng = np.random.default_rng(4)
    q = rng.normal(size=(4, 6)); q /= np.linalg.norm(q, axis=1, keepdims=True)
    r = rng.normal(size=(4, 6)); r /= np.linalg.norm(r, axis=1, keepdims=True)
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 25.0], [100.0, 100.0]])  # (0, 2) exactly 25 m: useful
    value = float(soft_margin_triplet_loss(q.astype(np.float32), r.astype(np.float32), query_xy=xy, reference_xy=xy))
    assert value == pytest.approx(loop_loss(q, r, xy=xy), rel=1e-5)
