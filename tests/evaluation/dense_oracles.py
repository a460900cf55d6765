"""Independent dense re-implementations of the originals' evaluations, the oracles of the tests."""

import numpy as np


def dense_ranks(query, reference, ground_truth, tie_break="query"):
    """CVM-Net / SAFA `validate` on the full matrix; "index" = position in a stable descending sort."""
    similarity = query @ reference.T
    ranks = np.empty(len(query), np.int64)
    for i, gt in enumerate(ground_truth):
        if gt < 0:
            ranks[i] = len(reference)
            continue
        if tie_break == "query":
            ranks[i] = np.sum(similarity[i] > similarity[i, gt])
        else:
            order = np.argsort(-similarity[i], kind="stable")
            ranks[i] = int(np.flatnonzero(order == gt)[0])
    return ranks


def dense_top_k(query, reference, k):
    similarity = query @ reference.T
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def quantised(rng, rows, dim, levels=3):
    """Descriptors with few exactly representable values: many exact ties in any summation order."""
    return (rng.integers(-levels, levels + 1, (rows, dim)) / 4.0).astype(np.float32)
