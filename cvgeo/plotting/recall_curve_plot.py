"""Recall@K against K (log scale), the usual retrieval summary figure."""

import numpy as np

from cvgeo.plotting.matplotlib_backend import pyplot


def plot_recall_curve(path: str, ranks: np.ndarray, num_references: int, title: str = "") -> str:
    """Writes recall@K for K = 1..R as a PNG; marks R@1/5/10/1%. Returns `path`."""
    plt = pyplot()
    ranks = np.asarray(ranks)
    ks = np.arange(1, num_references + 1)
    counts = np.bincount(np.minimum(ranks, num_references), minlength=num_references + 1)[:num_references]
    recall = 100.0 * np.cumsum(counts) / max(len(ranks), 1)
    figure, axis = plt.subplots(figsize=(6, 4), dpi=120)
    axis.plot(ks, recall, color="tab:blue", linewidth=1.8)
    for k in sorted({1, 5, 10, num_references // 100 + 1}):
        if k <= num_references:
            axis.plot(k, recall[k - 1], "o", color="tab:red")
            axis.annotate(f"R@{k}: {recall[k - 1]:.1f}", (k, recall[k - 1]), textcoords="offset points",
                          xytext=(6, -12), fontsize=8)
    axis.set_xscale("log")
    axis.set_xlim(1, num_references)
    axis.set_ylim(0, 100)
    axis.set_xlabel("K (references retrieved)")
    axis.set_ylabel("recall@K (%)")
    axis.set_title(title or f"recall@K, {len(ranks)} queries, {num_references} references")
    axis.grid(True, which="both", linestyle=":", linewidth=0.6)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
