"""CVUSA and CVACT-val: each query has one ground-truth reference (row i <-> row i, or `positive`).

Ranks follow CVM-Net / OriCNN / SAFA `validate`: references strictly more similar than the ground
truth (ties favour the query); recall@K = rank < K.
"""

import numpy as np

from cvgeo.evaluation import exact_search
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.evaluation.recall import DEFAULT_TOP_PERCENT_RULE, standard_recalls


def ground_truth_indices(descriptors: Descriptors) -> np.ndarray:
    """`positive` when given, else the row pairing (query i <-> reference i)."""
    if descriptors.positive is not None:
        return descriptors.positive
    if descriptors.num_queries > descriptors.num_references:
        raise EvaluationError(
            f"{descriptors.num_queries} queries but only {descriptors.num_references} references: without "
            "'positive', query i is paired with reference i, so there must be at least as many references"
        )
    return np.arange(descriptors.num_queries, dtype=np.int64)


def evaluate_paired(
    descriptors: Descriptors,
    *,
    top_percent_rule: str = DEFAULT_TOP_PERCENT_RULE,
    top_k: int = 0,
    search_options: dict | None = None,
) -> ProtocolResult:
    """recall@1/5/10/1% (percent) of paired descriptors; `top_k` also returns the best references."""
    result = exact_search.search(
        descriptors.query, descriptors.reference, ground_truth=ground_truth_indices(descriptors),
        tie_break="query", k=top_k, **(search_options or {}),
    )
    metrics = standard_recalls(result.ranks, descriptors.num_references, top_percent_rule)
    metrics.update(
        num_queries=descriptors.num_queries, num_references=descriptors.num_references, rechecked_pairs=result.rechecked
    )
    return ProtocolResult(metrics, ranks=result.ranks, top_indices=result.top_indices)
