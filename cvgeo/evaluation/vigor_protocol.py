"""VIGOR: recall with one positive tile, hit rate with semi-positives, meter-level accuracy.

Follows VIGOR `validate_top` (as in Realistic `validate_top_VIGOR`) and VIGOR `evaluate_from_npy.py`.
"""

import numpy as np

from cvgeo.evaluation import exact_search
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.evaluation.recall import DEFAULT_TOP_PERCENT_RULE, recall_at_k, standard_recalls
from cvgeo.geometry.geodesy import VIGOR_EARTH_RADIUS_M, great_circle_distance

# VIGOR `evaluate_from_npy.py` `distance_accuracy`: thresholds 1.1 ** (i / 5) m for i = 1..499,
# accuracy = fraction with distance strictly below the threshold.
METER_THRESHOLDS = 1.1 ** (np.arange(1, 500) / 5.0)
SUMMARY_THRESHOLDS_M = (1.0, 5.0, 10.0, 20.0, 40.0)


def evaluate_vigor(
    descriptors: Descriptors,
    *,
    top_percent_rule: str = DEFAULT_TOP_PERCENT_RULE,
    top_k: int = 0,
    search_options: dict | None = None,
) -> ProtocolResult:
    """recall@1/5/10/1%, hit rate and (with lat/lon) meter-level accuracy of the top-1 tile centre."""
    if descriptors.positive is None or descriptors.semi_positives is None:
        raise EvaluationError("protocol vigor needs 'positive' [Q] and 'semi_positives' [Q, 3] reference indices")
    result = exact_search.search(
        descriptors.query, descriptors.reference, ground_truth=descriptors.positive, tie_break="query",
        exclude=descriptors.semi_positives, k=max(top_k, 1), **(search_options or {}),
    )
    # VIGOR `validate_top`: R@1% uses K = int(0.01 N) + 1 (the "cvm" rule) unless told otherwise.
    metrics = standard_recalls(result.ranks, descriptors.num_references, top_percent_rule)
    # Hit rate: the positive's rank with the 3 semi-positives left out of the count is 0, i.e. nothing
    # but semi-positives outranks it.
    metrics["hit_rate"] = recall_at_k(result.ranks - result.excluded_above, 1)
    metrics.update(
        num_queries=descriptors.num_queries, num_references=descriptors.num_references, rechecked_pairs=result.rechecked
    )
    curves = {}
    if descriptors.query_latlon is not None and descriptors.reference_latlon is not None:
        # Top-1 = VIGOR's np.argmax over similarities: the lowest index among equals.
        predicted = descriptors.reference_latlon[result.top_indices[:, 0]]
        distance = great_circle_distance(
            descriptors.query_latlon[:, 0], descriptors.query_latlon[:, 1], predicted[:, 0], predicted[:, 1],
            radius_m=VIGOR_EARTH_RADIUS_M,
        )
        accuracy = meter_level_accuracy(distance, METER_THRESHOLDS)
        metrics["meter_accuracy_thresholds_m"] = METER_THRESHOLDS.tolist()
        metrics["meter_accuracy"] = accuracy.tolist()
        for threshold, value in zip(SUMMARY_THRESHOLDS_M, meter_level_accuracy(distance, SUMMARY_THRESHOLDS_M)):
            metrics[f"meter_accuracy@{threshold:g}m"] = float(value)
        metrics["median_error_m"] = float(np.median(distance))
        curves["meter_level_accuracy"] = (METER_THRESHOLDS, accuracy)
    top = result.top_indices[:, :top_k] if top_k else None
    return ProtocolResult(metrics, ranks=result.ranks, top_indices=top, curves=curves)


def meter_level_accuracy(distance_m: np.ndarray, thresholds_m) -> np.ndarray:
    """Percentage of queries with distance strictly below each threshold (VIGOR's `<`)."""
    distance_m = np.sort(np.asarray(distance_m, np.float64))
    below = np.searchsorted(distance_m, np.asarray(thresholds_m, np.float64), side="left")
    return 100.0 * below / max(len(distance_m), 1)
