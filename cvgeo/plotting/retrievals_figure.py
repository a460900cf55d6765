"""What a retrieval model does, in one picture: queries with their top-K references, and recall@K."""

import numpy as np

from cvgeo.plotting.matplotlib_backend import pyplot


def plot_retrievals(
    path: str,
    query_images: dict[int, np.ndarray],
    reference_images: dict[int, np.ndarray],
    top_indices: np.ndarray,
    ground_truth: np.ndarray,
    ranks: np.ndarray,
    num_references: int,
) -> str:
    """Writes a PNG: each query of `query_images` with its top-K references (the true one framed green;
    when it is not among them it follows in a last column with its rank), above the recall@K curve of
    all `ranks`. Images are uint8 or [0, 255] floats, keyed by query / reference index. Returns `path`."""
    plt = pyplot()
    rows = sorted(query_images)
    k = top_indices.shape[1]
    figure = plt.figure(figsize=(1.3 * (k + 4), 1.35 * len(rows) + 3.2), dpi=110)
    grid = figure.add_gridspec(len(rows) + 1, k + 2, height_ratios=[1] * len(rows) + [2.6], width_ratios=[3] + [1] * (k + 1))
    for r, query in enumerate(rows):
        _show(figure.add_subplot(grid[r, 0]), query_images[query], f"query {query}", "black")
        truth = int(ground_truth[query])
        for c in range(k):
            index = int(top_indices[query, c])
            _show(figure.add_subplot(grid[r, c + 1]), reference_images[index], f"#{c + 1}: {index}",
                  "green" if index == truth else "red")
        if truth >= 0 and truth not in top_indices[query, :k]:
            _show(figure.add_subplot(grid[r, k + 1]), reference_images[truth], f"true {truth}: rank {int(ranks[query]) + 1}",
                  "green")
    curve = figure.add_subplot(grid[len(rows), :])
    ks = np.arange(1, num_references + 1)
    counts = np.bincount(np.minimum(ranks, num_references), minlength=num_references + 1)[:num_references]
    recall = 100.0 * np.cumsum(counts) / max(len(ranks), 1)
    curve.plot(ks, recall, color="tab:blue", linewidth=1.8, label="model")
    curve.plot(ks, 100.0 * ks / num_references, color="tab:gray", linestyle="--", linewidth=1, label="chance")
    for marked in sorted(m for m in {1, 5, 10, num_references // 100 + 1} if m <= num_references):
        curve.annotate(f"R@{marked} {recall[marked - 1]:.1f}%", (marked, recall[marked - 1]), textcoords="offset points",
                       xytext=(4, -12), fontsize=8)
        curve.plot(marked, recall[marked - 1], "o", color="tab:red", markersize=4)
    curve.set_xscale("log")
    curve.set_xlim(1, num_references)
    curve.set_ylim(0, 100)
    curve.set_xlabel("K (references retrieved)")
    curve.set_ylabel("recall@K (%)")
    curve.grid(True, which="both", linestyle=":", linewidth=0.6)
    curve.legend(loc="lower right", fontsize=8)
    figure.suptitle(f"Query | top-{k} references (green: the true one) — {len(ranks)} queries, {num_references} references",
                    fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _show(axis, image, title, colour):
    axis.imshow(np.clip(np.asarray(image, np.float32) / 255.0, 0, 1))
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(3 if colour != "black" else 1)
    axis.set_title(title, fontsize=7)
