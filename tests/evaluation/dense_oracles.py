"""Independent dense re-implementations of the originals' evaluations, the oracles of the tests.

They rank by the exact similarity (the float64 nearest to the real dot product, by `math.fsum` of the
float64 products, which are exact for float32 inputs), so they do not depend on any BLAS.
"""

import math

import numpy as np


def exact_similarities(query, reference):
    """[Q, R] float64: each dot product summed with math.fsum (correctly rounded)."""
    query = np.asarray(query, np.float32).astype(np.float64)
    reference = np.asarray(reference, np.float32).astype(np.float64)
    return np.array([[math.fsum((q * r).tolist()) for r in reference] for q in query]).reshape(len(query), len(reference))


def dense_ranks(query, reference, ground_truth, tie_break="query"):
    """CVM-Net / SAFA `validate` on the full matrix; "index" = position in a stable descending sort."""
    similarity = exact_similarities(query, reference)
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
    similarity = exact_similarities(query, reference)
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def quantised(rng, rows, dim, levels=3):
    """Descriptors with few exactly representable values: many exact ties in any summation order."""
    return (rng.integers(-levels, levels + 1, (rows, dim)) / 4.0).astype(np.float32)


def near_ties(rng, rows, dim, copies=4):
    """Unit-norm-ish float32 rows, each followed by `copies` variants 1-4 ulps away in a few components
    (similarities closer than any float32 GEMM can resolve) and by an exact duplicate (an exact tie)."""
    base = rng.standard_normal((rows, dim)).astype(np.float32) / np.float32(np.sqrt(dim))
    out = []
    for row in base:
        out.append(row)
        for _ in range(copies):
            variant = row.copy()
            for column in rng.choice(dim, size=rng.integers(1, 4), replace=False):
                steps = int(rng.integers(1, 5))
                direction = np.float32(np.inf) if rng.random() < 0.5 else np.float32(-np.inf)
                for _ in range(steps):
                    variant[column] = np.nextafter(variant[column], direction)
            out.append(variant)
        out.append(row.copy())
    return np.stack(out)
