import numpy as np
import pytest

from cvgeo.evaluation import Descriptors, EvaluationError, evaluate_descriptors
from cvgeo.evaluation.vigor_protocol import meter_level_accuracy
from cvgeo.geometry.geodesy import VIGOR_EARTH_RADIUS_M
from tests.evaluation.dense_oracles import exact_similarities, near_ties, quantised


def _validate_top_oracle(query, reference, positive, semi):
    """VIGOR validate_top on the dense (float64, exact) similarity matrix."""
    similarity = exact_similarities(query, reference)
    n = len(reference)
    top1 = top5 = top10 = top1p = hit = 0
    for i in range(len(query)):
        gt = similarity[i, positive[i]]
        rank = np.sum(similarity[i] > gt)
        mask = np.ones(n, bool)
        mask[semi[i]] = False
        rank_hit = np.sum(similarity[i][mask] > gt)
        top1 += rank < 1
        top5 += rank < 5
        top10 += rank < 10
        top1p += rank < n // 100 + 1
        hit += rank_hit < 1
    q = len(query)
    return [100 * v / q for v in (top1, top5, top10, top1p, hit)]


def test_hit_rate_hand_made():
    reference = np.eye(5, dtype=np.float32)
    query = np.array([[0.5, 0.9, 0.8, 0, 0], [0.5, 0.9, 0, 0, 0.8]], np.float32)
    positive = np.array([0, 0])
    semi = np.array([[1, 2, 3], [1, 2, 3]])
    # Query 0: only semi-positives outrank the positive -> hit; query 1: reference 4 (not semi) does -> miss.
    metrics = evaluate_descriptors(
        Descriptors(query=query, reference=reference, positive=positive, semi_positives=semi), "vigor"
    ).metrics
    assert metrics["hit_rate"] == 50.0 and metrics["recall@1"] == 0.0 and metrics["recall@5"] == 100.0


def test_vigor_equals_validate_top_oracle():
    rng = np.random.default_rng(9)
    query, reference = quantised(rng, 70, 4, levels=2), quantised(rng, 150, 4, levels=2)
    positive = rng.integers(0, 150, 70)
    semi = np.stack([rng.choice(np.setdiff1d(np.arange(150), p), 3, replace=False) for p in positive])
    d = Descriptors(query=query, reference=reference, positive=positive, semi_positives=semi)
    metrics = evaluate_descriptors(d, "vigor", search_options={"reference_block": 16}).metrics
    expected = _validate_top_oracle(query, reference, positive, semi)
    got = [metrics[k] for k in ("recall@1", "recall@5", "recall@10", "recall@1%", "hit_rate")]
    np.testing.assert_allclose(got, expected)


def test_vigor_on_near_ties_equals_validate_top_oracle():
    """The positive and its semi-positives are near-tied (1-4 ulps apart) and exactly tied tiles."""
    rng = np.random.default_rng(10)
    reference = near_ties(rng, 12, 32)  # groups of 6
    groups = rng.integers(0, 12, 50)
    query = (reference[groups * 6] + rng.standard_normal((50, 32)).astype(np.float32) * np.float32(0.03)).astype(np.float32)
    members = groups[:, None] * 6 + np.stack([rng.permutation(6)[:4] for _ in range(50)])
    positive, semi = members[:, 0], members[:, 1:]
    d = Descriptors(query=query, reference=reference, positive=positive, semi_positives=semi)
    expected = _validate_top_oracle(query, reference, positive, semi)
    for block in (None, 1, 5, 6):
        metrics = evaluate_descriptors(d, "vigor", search_options={"reference_block": block}).metrics
        got = [metrics[k] for k in ("recall@1", "recall@5", "recall@10", "recall@1%", "hit_rate")]
        np.testing.assert_allclose(got, expected)


def test_meter_level_accuracy_top1_tile_centre():
    reference = np.eye(3, dtype=np.float32)
    query = np.array([[1, 0.5, 1], [0, 1, 0]], np.float32)  # top-1: 0 (tie with 2, lower index), 1
    metres_per_degree = VIGOR_EARTH_RADIUS_M * np.pi / 180
    reference_latlon = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    query_latlon = np.array([[0.0, 3 / metres_per_degree], [0.0, 1 + 30 / metres_per_degree]])
    d = Descriptors(query=query, reference=reference, positive=np.array([2, 1]), semi_positives=np.array([[0, 0, 0], [0, 2, 2]]),
                    query_latlon=query_latlon, reference_latlon=reference_latlon)
    metrics = evaluate_descriptors(d, "vigor").metrics
    assert metrics["meter_accuracy@5m"] == 50.0 and metrics["meter_accuracy@40m"] == 100.0
    assert metrics["meter_accuracy@1m"] == 0.0
    assert metrics["median_error_m"] == pytest.approx(16.5, abs=1e-6)


def test_meter_level_accuracy_is_strict():
    np.testing.assert_allclose(meter_level_accuracy([10.0, 9.0, 11.0, 20.0], [10.0, 10.0000001, 20.0]), [25, 50, 75])


def test_vigor_needs_positives():
    with pytest.raises(EvaluationError, match="semi_positives"):
        evaluate_descriptors(Descriptors(query=np.ones((2, 2)), reference=np.ones((2, 2))), "vigor")
