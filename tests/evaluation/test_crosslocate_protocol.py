import numpy as np
import pytest

from cvgeo.evaluation import Descriptors, EvaluationError, evaluate_descriptors
from cvgeo.evaluation.crosslocate_protocol import distance_recall_curve


def test_distance_recall_histogram_semantics():
    minima = np.array([0, 19.999, 20, 100, 999, 1000, 1000.5, 1e300])
    curve = distance_recall_curve(minima)
    assert len(curve) == 51
    # counts 1, 2, 3, 6 at thresholds 0, 20, 40, 1000 (strict except the closed last bin)
    np.testing.assert_allclose(curve[[0, 1, 2, 5, 6, 50]], np.array([1, 2, 3, 3, 4, 6]) * 100 / 8)


def _case():
    # 2 queries, 3 references; similarity = query rows (reference = identity)
    reference = np.eye(3, dtype=np.float32)
    query = np.array([[1, 0.5, 0.25], [0.25, 0.5, 1]], np.float32)
    query_xy = np.array([[0.0, 0.0], [1000.0, 0.0]])
    reference_xy = np.array([[12.0, 16.0], [0.0, 50.0], [1000.0, 0.0]])  # 20 m, 50 m / 1000 m from query 0
    query_yaw = np.array([350.0, 0.0])
    reference_yaw = np.array([19.0, 350.0, 45.0])  # yaw differences for q0: 29, 0, 55; q1: 19, 10, 45
    return Descriptors(query=query, reference=reference, query_xy=query_xy, reference_xy=reference_xy,
                       query_yaw=query_yaw, reference_yaw=reference_yaw)


def test_crosslocate_hand_made():
    metrics = evaluate_descriptors(_case(), "crosslocate").metrics
    # q0 top-1 = ref 0 at exactly 20 m (strict: not within 20 m, yes within 100 m), yaw 29 <= 30.
    # q1 top-1 = ref 2 at 0 m but yaw 45 > 30; its top-10 (all 3) has ref 1 at 1000.05 m with yaw 10.
    assert metrics["position_recall@1_20m"] == 50.0
    assert metrics["position_recall@1_100m"] == 100.0
    assert metrics["position_yaw_recall@1_20m"] == 0.0
    assert metrics["position_yaw_recall@1_100m"] == 50.0
    assert metrics["position_yaw_recall@10_1000m"] == 100.0  # q1: ref 0 at 988.1 m, yaw 19 counts
    # success: top-1 position+yaw <= 20 m inclusive -> q0 succeeds
    assert metrics["successful_localisations"] == 1
    assert len(metrics["position_distance_recall@1"]) == 51


def test_chance_with_every_reference_drawn_is_the_best_case():
    # With 3 references, N = 100 draws all of them: the chance minimum is the overall minimum.
    metrics = evaluate_descriptors(_case(), "crosslocate", seed=3).metrics
    assert metrics["chance_position_recall@100_20m"] == 50.0  # q1 has a reference at 0 m
    assert metrics["chance_position_recall@100_1000m"] == 100.0
    again = evaluate_descriptors(_case(), "crosslocate", seed=3).metrics
    assert again["chance_position_distance_recall@1"] == metrics["chance_position_distance_recall@1"]


def test_crosslocate_latlon_uses_wgs84():
    d = _case()
    latlon = Descriptors(query=d.query, reference=d.reference, query_latlon=np.array([[46.5, 8.0], [46.5, 8.1]]),
                         reference_latlon=np.array([[46.5, 8.0], [46.5, 8.0], [46.5, 8.1]]))
    metrics = evaluate_descriptors(latlon, "crosslocate").metrics
    assert metrics["position_recall@1_20m"] == 100.0 and "successful_localisations" not in metrics


def test_crosslocate_needs_positions():
    with pytest.raises(EvaluationError, match="positions"):
        evaluate_descriptors(Descriptors(query=np.ones((2, 2)), reference=np.ones((2, 2))), "crosslocate")
