"""The PNGs evaluate.py --plots writes next to the metrics JSON."""

import os

import numpy as np

from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.plotting.distance_recall_plot import plot_distance_recall
from cvgeo.plotting.recall_curve_plot import plot_recall_curve
from cvgeo.plotting.retrieval_grid_plot import plot_retrieval_grid


def write_evaluation_plots(result: ProtocolResult, descriptors: Descriptors, folder: str) -> list[str]:
    """Recall@K curve (protocols with ranks), distance curves (CrossLocate, VIGOR meter-level) and a
    retrieval grid of the first queries. Returns the paths written."""
    os.makedirs(folder, exist_ok=True)
    protocol = result.metrics.get("protocol", "")
    paths = []
    if result.ranks is not None:
        ranks = np.minimum(result.ranks, descriptors.num_references)
        paths.append(plot_recall_curve(os.path.join(folder, f"{protocol}_recall_curve.png"), ranks,
                                       descriptors.num_references, title=f"{protocol}: recall@K"))
    for kind in ("position", "position_yaw"):
        curves = {name: curve for name, curve in result.curves.items() if name.split("@")[0] in (kind, f"chance_{kind}")}
        if curves:
            paths.append(plot_distance_recall(os.path.join(folder, f"{protocol}_{kind}_distance_recall.png"), curves,
                                              f"{protocol}: recall by {kind.replace('_', ' + ')} distance"))
    if "meter_level_accuracy" in result.curves:
        paths.append(plot_distance_recall(os.path.join(folder, f"{protocol}_meter_level_accuracy.png"),
                                          {"top-1 tile centre": result.curves["meter_level_accuracy"]},
                                          f"{protocol}: meter-level accuracy", log_x=True))
    if result.top_indices is not None:
        ground_truth = descriptors.positive
        if ground_truth is None and protocol in ("cvusa", "cvact_val"):
            ground_truth = np.arange(descriptors.num_queries)
        paths.append(plot_retrieval_grid(
            os.path.join(folder, f"{protocol}_retrieval_grid.png"), result.top_indices[:, :5], ground_truth=ground_truth,
            query_labels=descriptors.query_ids, reference_labels=descriptors.reference_ids,
        ))
    return paths
