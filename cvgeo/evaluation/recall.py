"""Recall@K from ranks, and the "top 1 %" K of each original (they disagree).

A query with rank r (references ranked above its ground truth) is a hit at K when r < K.
"""

import numpy as np

from cvgeo.evaluation.errors import EvaluationError


def _cvm_k(num_references: int) -> int:
    # CVM-Net `train.py` validate(): `prediction < int(0.01 * N) + 1`; OriCNN and VIGOR `validate_top`
    # use the same K (89 for N = 8,884).
    return num_references // 100 + 1


def _safa_k(num_references: int) -> int:
    # SAFA `test_cvusa.py` / `test_cvact.py`: loops K up to int(0.01 * N) and reports that K (88 for 8,884);
    # SAFA, TransGeo and Sample4Geo report this.
    return num_references // 100


def _toker_k(num_references: int) -> int:
    # Toker et al. `mutual_topk_acc` (and Realistic): `rank < 0.01 * N` as a float, i.e. K = ceil(0.01 N).
    return -(-num_references // 100)


TOP_PERCENT_RULES = {"cvm": _cvm_k, "safa": _safa_k, "toker": _toker_k}
DEFAULT_TOP_PERCENT_RULE = "cvm"


def top_percent_k(num_references: int, rule: str = DEFAULT_TOP_PERCENT_RULE) -> int:
    """K used for recall@1% with `rule` ("cvm": floor(0.01 R) + 1, "safa": floor(0.01 R), "toker": ceil(0.01 R))."""
    if rule not in TOP_PERCENT_RULES:
        raise EvaluationError(f"unknown top-1% rule {rule!r}; choose one of {sorted(TOP_PERCENT_RULES)}")
    return TOP_PERCENT_RULES[rule](int(num_references))


def recall_at_k(ranks: np.ndarray, k: int) -> float:
    """Percentage of queries whose rank is below k."""
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        return 0.0
    return float(100.0 * np.count_nonzero(ranks < k) / ranks.size)


def recall_curve(ranks: np.ndarray, max_k: int) -> np.ndarray:
    """Recall@K in percent for K = 1..max_k (index K-1)."""
    ranks = np.asarray(ranks)
    counts = np.bincount(np.minimum(ranks, max_k), minlength=max_k + 1)[:max_k]
    return 100.0 * np.cumsum(counts) / max(ranks.size, 1)


def standard_recalls(ranks: np.ndarray, num_references: int, rule: str = DEFAULT_TOP_PERCENT_RULE) -> dict:
    """recall@1/5/10 and recall@1% (with `rule`, plus every rule under its own key), in percent."""
    metrics = {f"recall@{k}": recall_at_k(ranks, k) for k in (1, 5, 10)}
    metrics["recall@1%"] = recall_at_k(ranks, top_percent_k(num_references, rule))
    metrics["recall@1%_k"] = top_percent_k(num_references, rule)
    metrics["top_percent_rule"] = rule
    for name in TOP_PERCENT_RULES:
        k = top_percent_k(num_references, name)
        metrics[f"recall@1%_{name}"] = recall_at_k(ranks, k)
        metrics[f"recall@1%_{name}_k"] = k
    return metrics
