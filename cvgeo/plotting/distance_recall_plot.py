"""Recall against a distance threshold (CrossLocate distance-recall, VIGOR meter-level accuracy)."""

import numpy as np

from cvgeo.plotting.matplotlib_backend import pyplot


def plot_distance_recall(path: str, curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str,
                         xlabel: str = "distance threshold (m)", log_x: bool = False) -> str:
    """Writes one line per named (thresholds, percent) curve as a PNG; chance curves dashed. Returns `path`."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6.5, 4), dpi=120)
    for name, (x, y) in curves.items():
        axis.plot(x, y, linestyle="--" if name.startswith("chance") else "-", linewidth=1.5, label=name)
    if log_x:
        axis.set_xscale("log")
    axis.set_ylim(0, 100)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("queries localised (%)")
    axis.set_title(title)
    axis.grid(True, linestyle=":", linewidth=0.6)
    axis.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
