"""A retrieval grid: each query with its top-K references, the ground truth framed in green."""

from collections.abc import Sequence

import numpy as np

from cvgeo.plotting.matplotlib_backend import pyplot


def plot_retrieval_grid(
    path: str,
    top_indices: np.ndarray,
    *,
    ground_truth: np.ndarray | None = None,
    query_rows: Sequence[int] | None = None,
    query_images: np.ndarray | None = None,
    reference_images: np.ndarray | None = None,
    query_labels: Sequence[str] | None = None,
    reference_labels: Sequence[str] | None = None,
    similarities: np.ndarray | None = None,
) -> str:
    """Writes a grid (one row per query: query, then its top-K) as a PNG. Returns `path`.

    Images are optional (uint8 or [0, 255] floats, indexed like the descriptors); without them each
    cell shows the label (an id or the index). Correct references (== ground truth) get a green
    frame, the others a red one.
    """
    plt = pyplot()
    rows = list(range(min(len(top_indices), 8))) if query_rows is None else list(query_rows)
    k = top_indices.shape[1]
    figure, axes = plt.subplots(len(rows), k + 1, figsize=(1.6 * (k + 1), 1.6 * len(rows)), dpi=110, squeeze=False)
    for r, query in enumerate(rows):
        _cell(axes[r, 0], query_images, query, f"query {query}" if query_labels is None else str(query_labels[query]),
              "black")
        for c in range(k):
            index = int(top_indices[query, c])
            correct = ground_truth is not None and index == int(ground_truth[query])
            label = str(index) if reference_labels is None else str(reference_labels[index])
            if similarities is not None:
                label += f"\n{similarities[query, c]:.3f}"
            _cell(axes[r, c + 1], reference_images, index, f"#{c + 1}: {label}", "green" if correct else "red")
    figure.suptitle("query | top-K references (green = ground truth)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _cell(axis, images, index, label, colour):
    if images is not None:
        axis.imshow(np.clip(np.asarray(images[index], np.float32) / 255.0, 0, 1))
    else:
        axis.text(0.5, 0.5, label, ha="center", va="center", fontsize=7, wrap=True)
        label = ""
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(2.5 if colour != "black" else 1)
    axis.set_title(label, fontsize=6)
