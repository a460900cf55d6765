"""Retrieval in the other direction: aerial queries searching the street references.

Toker et al. report both directions (`utils/base_wrapper.py` `mutual_topk_acc` returns street->aerial
"p2s" and aerial->street "s2p"; spec 3.7). Paired protocols only: row i of each side is a pair.
"""

from dataclasses import replace

from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.paired_protocol import evaluate_paired

REVERSE_PREFIX = "aerial_to_street/"
_REPORTED = ("recall@1", "recall@5", "recall@10", "recall@1%", "recall@1%_k")


def swap_directions(descriptors: Descriptors) -> Descriptors:
    """The same pairs with the references as queries and the queries as references."""
    if descriptors.positive is not None or descriptors.num_queries != descriptors.num_references:
        raise EvaluationError("the reverse direction needs row-paired descriptors (as many queries as references, no 'positive')")
    return replace(
        descriptors,
        query=descriptors.reference, reference=descriptors.query,
        query_xy=descriptors.reference_xy, reference_xy=descriptors.query_xy,
        query_latlon=descriptors.reference_latlon, reference_latlon=descriptors.query_latlon,
        query_yaw=descriptors.reference_yaw, reference_yaw=descriptors.query_yaw,
        query_ids=descriptors.reference_ids, reference_ids=descriptors.query_ids,
    )


def reverse_direction_metrics(descriptors: Descriptors, **options) -> dict:
    """recall@1/5/10/1% of aerial -> street retrieval, keyed "aerial_to_street/recall@1", ...;
    options as `evaluate_paired` (top_percent_rule, search_options)."""
    metrics = evaluate_paired(swap_directions(descriptors), **options).metrics
    return {REVERSE_PREFIX + key: metrics[key] for key in _REPORTED if key in metrics}
