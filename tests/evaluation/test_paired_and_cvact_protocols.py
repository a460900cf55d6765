import numpy as np
import pytest

from cvgeo.evaluation import Descriptors, EvaluationError, evaluate_descriptors
from tests.evaluation.dense_oracles import exact_similarities, near_ties, quantised


def _recall_geo_oracle(query, reference, query_xy, reference_xy, ks):
    """OriCNN RecallGeo.m: stable sort by distance, correct = L2 <= 5 m, recall = any correct in top K."""
    similarity = exact_similarities(query, reference)
    recalls = {}
    for k in ks:
        hits = 0
        for i in range(len(query)):
            order = np.argsort(-similarity[i], kind="stable")[:k]
            metres = np.sqrt(((reference_xy[order] - query_xy[i]) ** 2).sum(axis=1))
            hits += bool(np.any(metres <= 5))
        recalls[k] = 100.0 * hits / len(query)
    return recalls


def test_cvusa_hand_made():
    # Similarity = query rows (reference = identity); ground truth = the diagonal.
    reference = np.eye(4, dtype=np.float32)
    query = np.array([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.9, 0.8, 0.7, 0], [1, 1, 1, 0.5]], np.float32)
    metrics = evaluate_descriptors(Descriptors(query=query, reference=reference), "cvusa").metrics
    # ranks: 0, 0 (tie favours the query), 2, 3
    assert metrics["recall@1"] == 50.0 and metrics["recall@5"] == 100.0
    assert metrics["recall@1%_k"] == 1 and metrics["recall@1%"] == 50.0
    assert metrics["recall@1%_safa_k"] == 0 and metrics["recall@1%_safa"] == 0.0
    assert metrics["num_queries"] == 4 and metrics["num_references"] == 4


def test_cvact_val_equals_cvusa_and_uses_positive():
    rng = np.random.default_rng(2)
    query, reference = quantised(rng, 40, 4), quantised(rng, 50, 4)
    positive = rng.integers(0, 50, 40)
    a = evaluate_descriptors(Descriptors(query=query, reference=reference, positive=positive), "cvact_val").metrics
    similarity = exact_similarities(query, reference)
    ranks = (similarity > similarity[np.arange(40), positive][:, None]).sum(1)
    for k in (1, 5, 10):
        assert a[f"recall@{k}"] == pytest.approx(100 * np.mean(ranks < k))


def test_cvact_test_five_metres_boundary():
    reference = np.eye(3, dtype=np.float32)
    query = np.array([[1, 0.5, 0.25], [1, 0.5, 0.25], [1, 0.5, 0.25]], np.float32)  # order 0, 1, 2
    base = np.array([300000.0, 5000000.0])
    reference_xy = np.stack([base + [100, 100], base + [3, 4], base + [50, 50]])
    query_xy = np.stack([base, base + [0, -0.000001], base + [50, 56]])
    # query 0: reference 1 at exactly 5.0 m -> hit at K = 2 (it is 2nd); query 1: 5.000001 m -> never;
    # query 2: reference 2 at 6 m -> no positive at all.
    d = Descriptors(query=query, reference=reference, query_xy=query_xy, reference_xy=reference_xy)
    result = evaluate_descriptors(d, "cvact_test")
    assert result.ranks[0] == 1 and result.ranks[1] == result.ranks[2] == np.iinfo(np.int64).max
    assert result.metrics["recall@1"] == 0.0 and result.metrics["recall@5"] == pytest.approx(100 / 3)
    assert result.metrics["queries_without_positive"] == 2


def test_cvact_test_equals_recall_geo_oracle():
    rng = np.random.default_rng(4)
    query, reference = quantised(rng, 60, 4, levels=2), quantised(rng, 80, 4, levels=2)
    # Positions on a 3 m grid: several references within 5 m of each query, some exactly 5 m away.
    reference_xy = rng.integers(0, 8, (80, 2)) * 3.0 + 400000.0
    query_xy = rng.integers(0, 8, (60, 2)) * 3.0 + 400000.0
    d = Descriptors(query=query, reference=reference, query_xy=query_xy, reference_xy=reference_xy)
    for block in (None, 7):
        metrics = evaluate_descriptors(d, "cvact_test", search_options={"reference_block": block}).metrics
        expected = _recall_geo_oracle(query, reference, query_xy, reference_xy, (1, 5, 10, 1))
        for k in (1, 5, 10):
            assert metrics[f"recall@{k}"] == pytest.approx(expected[k])


def test_cvact_test_on_near_ties_equals_recall_geo_oracle():
    """Positives within 5 m are near-tied copies of one another: the best positive and every rank
    follow the exact similarity, whatever the block size."""
    rng = np.random.default_rng(12)
    reference = near_ties(rng, 10, 32)  # groups of 6 at one place each
    groups = rng.integers(0, 10, 30)
    query = (reference[groups * 6] + rng.standard_normal((30, 32)).astype(np.float32) * np.float32(0.02)).astype(np.float32)
    places = rng.uniform(0, 400, (10, 2)) + 400000.0
    reference_xy = np.repeat(places, 6, axis=0) + rng.uniform(-2, 2, (60, 2))
    query_xy = places[groups] + rng.uniform(-1, 1, (30, 2))
    d = Descriptors(query=query, reference=reference, query_xy=query_xy, reference_xy=reference_xy)
    expected = _recall_geo_oracle(query, reference, query_xy, reference_xy, (1, 5, 10))
    for block in (None, 1, 4, 5):
        metrics = evaluate_descriptors(d, "cvact_test", search_options={"reference_block": block}).metrics
        for k in (1, 5, 10):
            assert metrics[f"recall@{k}"] == pytest.approx(expected[k])


def test_protocol_errors():
    d = Descriptors(query=np.ones((3, 2)), reference=np.ones((2, 2)))
    with pytest.raises(EvaluationError, match="at least as many references"):
        evaluate_descriptors(d, "cvusa")
    with pytest.raises(EvaluationError, match="query_xy"):
        evaluate_descriptors(d, "cvact_test")
    with pytest.raises(EvaluationError, match="available protocols: cvusa"):
        evaluate_descriptors(d, "nope")
