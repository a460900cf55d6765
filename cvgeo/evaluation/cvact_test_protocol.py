"""CVACT-test: a query is a hit at K when any of its top-K references lies within 5 m (UTM).

OriCNN `Matlab/RecallGeo.m`: references are sorted by distance (stable, so equal ones keep index
order), a retrieved reference is correct when `L2_dis <= 5` metres, recall@K = mean(any correct in
the first K). Equivalently, the rank of a query is the stable-sort position of its most similar
reference within 5 m; `exact_search` streams that rank without sorting.
"""

import numpy as np

from cvgeo.evaluation import exact_search
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.exact_dot import exact_dot
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.evaluation.recall import DEFAULT_TOP_PERCENT_RULE, standard_recalls
from cvgeo.geometry.geodesy import planar_neighbours

# OriCNN `RecallGeo.m`: `L2_dis <= 5` (inclusive).
POSITIVE_RADIUS_M = 5.0


def evaluate_cvact_test(
    descriptors: Descriptors,
    *,
    top_percent_rule: str = DEFAULT_TOP_PERCENT_RULE,
    radius_m: float = POSITIVE_RADIUS_M,
    top_k: int = 0,
    search_options: dict | None = None,
) -> ProtocolResult:
    """Geo recall@1/5/10/1% (percent) with positives = references within `radius_m` of the query."""
    if descriptors.query_xy is None or descriptors.reference_xy is None:
        raise EvaluationError("protocol cvact_test needs 'query_xy' and 'reference_xy' (UTM metres)")
    best = best_positive(descriptors, planar_neighbours(descriptors.query_xy, descriptors.reference_xy, radius_m))
    result = exact_search.search(
        descriptors.query, descriptors.reference, ground_truth=best, tie_break="index", k=top_k,
        **(search_options or {}),
    )
    metrics = standard_recalls(result.ranks, descriptors.num_references, top_percent_rule)
    metrics.update(
        num_queries=descriptors.num_queries,
        num_references=descriptors.num_references,
        positive_radius_m=float(radius_m),
        queries_without_positive=int(np.count_nonzero(best < 0)),
        rechecked_pairs=result.rechecked,
    )
    return ProtocolResult(metrics, ranks=result.ranks, top_indices=result.top_indices)


def best_positive(descriptors: Descriptors, positives: list[np.ndarray]) -> np.ndarray:
    """Per query, its most similar positive reference by exact similarity (lowest index on ties), -1 when
    it has none."""
    counts = np.array([len(p) for p in positives], np.int64)
    best = np.full(descriptors.num_queries, -1, np.int64)
    if counts.sum() == 0:
        return best
    rows = np.repeat(np.arange(descriptors.num_queries), counts)
    columns = np.concatenate(positives)
    similarity = exact_dot(descriptors.query[rows], descriptors.reference[columns])
    # Sort by row, then similarity descending, then index ascending; the first entry per row wins.
    order = np.lexsort((columns, -similarity, rows))
    first = np.ones(len(order), bool)
    first[1:] = rows[order][1:] != rows[order][:-1]
    best[rows[order][first]] = columns[order][first]
    return best
