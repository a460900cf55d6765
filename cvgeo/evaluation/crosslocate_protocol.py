"""CrossLocate: recall by location (and location + heading) of the top-N retrieved views.

Follows CrossLocate `core/Evaluator.py`. The original retrieves by Euclidean distance between
descriptors (sklearn NearestNeighbors); its descriptors have unit norm, where that order equals the
dot-product order used here.
"""

import numpy as np

from cvgeo.evaluation import exact_search
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.geometry.geodesy import planar_distance, wgs84_distance, yaw_difference

RECALL_NUMBERS = (1, 10, 100)
LOCATION_THRESHOLDS_M = (20, 100, 1000)
YAW_THRESHOLD_DEG = 30.0  # Evaluator: yaw difference <= 30 degrees (mining uses 15)
SUCCESS_DISTANCE_M = 20.0  # success: top-1 position+yaw minimum <= 20 m (inclusive)
CURVE_STEP_M = 20
CURVE_MAX_M = 1000
CHANCE_DRAWS = 11
# Evaluator's histogram edges: [0, 0.001, 20, 40, ..., 1000]; bin i is [e_i, e_i+1) except the last,
# which numpy closes, so the value at T is the share with min < T, except min <= 1000 at 1000 and
# min < 0.001 at 0.
CURVE_EDGES = np.concatenate([[0.0, 0.001], np.arange(CURVE_STEP_M, CURVE_MAX_M + 1, CURVE_STEP_M, dtype=np.float64)])
CURVE_THRESHOLDS = np.arange(0, CURVE_MAX_M + 1, CURVE_STEP_M)


def distance_recall_curve(per_query_minimum: np.ndarray) -> np.ndarray:
    """Percent of queries per threshold 0, 20, ..., 1000 m with the original's histogram semantics."""
    per_query_minimum = np.asarray(per_query_minimum, np.float64)
    counts, _ = np.histogram(per_query_minimum, CURVE_EDGES)
    return 100.0 * np.cumsum(counts) / max(len(per_query_minimum), 1)


def evaluate_crosslocate(
    descriptors: Descriptors,
    *,
    seed: int = 0,
    top_k: int = 0,
    search_options: dict | None = None,
) -> ProtocolResult:
    """Position and position+yaw recall@{1,10,100} at {20,100,1000} m, curves, chance and successes.

    Positions: `*_xy` (planar metres, the original's UTM mode) or `*_latlon` (WGS84 geodesic, its
    default). Headings `*_yaw` (degrees) enable the position+yaw metrics.
    """
    distance = _distance_function(descriptors)
    max_n = min(max(RECALL_NUMBERS), descriptors.num_references)
    result = exact_search.search(descriptors.query, descriptors.reference, k=max_n, **(search_options or {}))
    top = result.top_indices
    has_yaw = descriptors.query_yaw is not None and descriptors.reference_yaw is not None

    metrics = {
        "num_queries": descriptors.num_queries,
        "num_references": descriptors.num_references,
        "rechecked_pairs": result.rechecked,
    }
    curves = {}
    retrieved = _minima(distance, descriptors, top, has_yaw)
    chance = _chance_minima(distance, descriptors, max_n, has_yaw, seed)
    for source, minima in (("", retrieved), ("chance_", chance)):
        for kind, per_n in minima.items():
            for n, per_query in per_n.items():
                curve = distance_recall_curve(per_query)
                curves[f"{source}{kind}@{n}"] = (CURVE_THRESHOLDS, curve)
                metrics[f"{source}{kind}_distance_recall@{n}"] = curve.tolist()
                for threshold in LOCATION_THRESHOLDS_M:
                    metrics[f"{source}{kind}_recall@{n}_{threshold}m"] = float(curve[threshold // CURVE_STEP_M])
    metrics["distance_recall_thresholds_m"] = CURVE_THRESHOLDS.tolist()
    if has_yaw:
        successes = retrieved["position_yaw"][1] <= SUCCESS_DISTANCE_M
        metrics["successful_localisations"] = int(np.count_nonzero(successes))
        metrics["successful_localisation_rate"] = float(100.0 * np.mean(successes))
    return ProtocolResult(metrics, top_indices=top[:, :top_k] if top_k else None, curves=curves)


def _distance_function(descriptors: Descriptors):
    if descriptors.query_xy is not None and descriptors.reference_xy is not None:
        return lambda rows, columns: planar_distance(descriptors.query_xy[rows], descriptors.reference_xy[columns])
    if descriptors.query_latlon is not None and descriptors.reference_latlon is not None:
        q, r = descriptors.query_latlon, descriptors.reference_latlon
        return lambda rows, columns: wgs84_distance(q[rows, 0], q[rows, 1], r[columns, 0], r[columns, 1])
    raise EvaluationError(
        "protocol crosslocate needs positions: 'query_xy' and 'reference_xy' (metres) or "
        "'query_latlon' and 'reference_latlon' (degrees)"
    )


def _minima(distance, descriptors: Descriptors, candidates: np.ndarray, has_yaw: bool) -> dict:
    """Per N, each query's minimum distance over its first N candidates (position), and over those
    within the yaw threshold (position_yaw; inf where none, the original's 1e300)."""
    rows = np.arange(len(candidates))[:, None]
    metres = distance(np.broadcast_to(rows, candidates.shape), candidates)
    out = {"position": {}, "position_yaw": {}} if has_yaw else {"position": {}}
    if has_yaw:
        yaw_ok = yaw_difference(descriptors.query_yaw[rows], descriptors.reference_yaw[candidates]) <= YAW_THRESHOLD_DEG
        oriented = np.where(yaw_ok, metres, np.inf)
    for n in RECALL_NUMBERS:
        n_used = min(n, candidates.shape[1])
        out["position"][n] = metres[:, :n_used].min(axis=1)
        if has_yaw:
            out["position_yaw"][n] = oriented[:, :n_used].min(axis=1)
    return out


def _chance_minima(distance, descriptors: Descriptors, max_n: int, has_yaw: bool, seed: int) -> dict:
    """Evaluator's chance baseline: N distinct random references per query, 11 draws, the median of
    the per-draw minima. The first N of max_n distinct draws are N distinct draws themselves."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(CHANCE_DRAWS):
        picks = np.stack([rng.choice(descriptors.num_references, max_n, replace=False) for _ in range(descriptors.num_queries)])
        draws.append(_minima(distance, descriptors, picks, has_yaw))
    return {
        kind: {n: np.median(np.stack([d[kind][n] for d in draws]), axis=0) for n in draws[0][kind]}
        for kind in draws[0]
    }
