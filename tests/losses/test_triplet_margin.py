import numpy as np
import pytest

from cvgeo.losses.triplet_margin import triplet_margin_loss


def _loop(q, p, n, margin, distance):
    total = 0.0
    for b in range(len(q)):
        dp = np.sum((q[b] - p[b]) ** 2) if distance == "euclidean" else 1 - q[b] @ p[b]
        for i in range(n.shape[1]):
            dn = np.sum((q[b] - n[b, i]) ** 2) if distance == "euclidean" else 1 - q[b] @ n[b, i]
            total += max(dp + margin - dn, 0.0)
    return total


@pytest.mark.parametrize("distance", ["euclidean", "cosine"])
def test_equals_the_loop_over_every_triplet(distance):
    rng = np.random.default_rng(0)
    unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    q, p, n = unit(rng.normal(size=(4, 8))), unit(rng.normal(size=(4, 8))), unit(rng.normal(size=(4, 10, 8)))
    expected = _loop(q, p, n, 0.1, distance)
    assert expected > 0
    np.testing.assert_allclose(float(triplet_margin_loss(q, p, n, distance=distance)), expected, rtol=1e-5)


def test_a_sum_not_a_mean_and_zero_past_the_margin():
    q, p = np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])
    near = np.array([[[1.0, 0.2], [1.0, 0.2]]])  # dn = 0.04 < dp + 0.1: each hinge 0.06
    far = np.array([[[0.0, 1.0], [-1.0, 0.0]]])  # dn = 2 and 4: no loss
    assert float(triplet_margin_loss(q, p, near)) == pytest.approx(0.12)
    assert float(triplet_margin_loss(q, p, far)) == 0.0
    with pytest.raises(ValueError, match="distance"):
        triplet_margin_loss(q, p, near, distance="manhattan")
