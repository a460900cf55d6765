import numpy as np
import pytest

from cvgeo.evaluation import EvaluationError, recall_at_k, top_percent_k
from cvgeo.evaluation.recall import recall_curve, standard_recalls


@pytest.mark.parametrize(
    "num_references,cvm,safa,toker",
    [(8884, 89, 88, 89), (10000, 101, 100, 100), (92802, 929, 928, 929), (99, 1, 0, 1), (100, 2, 1, 1)],
)
def test_top_percent_k_rules(num_references, cvm, safa, toker):
    assert top_percent_k(num_references, "cvm") == cvm
    assert top_percent_k(num_references, "safa") == safa
    assert top_percent_k(num_references, "toker") == toker


def test_recall_is_rank_below_k():
    ranks = np.array([0, 1, 4, 5, 88, 89])
    assert recall_at_k(ranks, 1) == pytest.approx(100 / 6)
    assert recall_at_k(ranks, 5) == pytest.approx(300 / 6)
    assert recall_at_k(ranks, 89) == pytest.approx(500 / 6)
    np.testing.assert_allclose(recall_curve(ranks, 6), np.array([1, 2, 2, 2, 3, 4]) * 100 / 6)


def test_standard_recalls_reports_every_rule():
    ranks = np.array([0, 88, 88, 89])  # 8,884 references: K = 89 (cvm) / 88 (safa)
    metrics = standard_recalls(ranks, 8884, "safa")
    assert metrics["recall@1%_k"] == 88 and metrics["recall@1%"] == 25.0
    assert metrics["recall@1%_cvm"] == 75.0 and metrics["recall@1%_cvm_k"] == 89
    with pytest.raises(EvaluationError, match="cvm"):
        top_percent_k(10, "bogus")
