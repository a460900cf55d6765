"""Exact retrieval by dot-product similarity, streamed in blocks over queries and references.

The originals build the dense query x reference matrix (34 GB for CVACT-test). Here each block of
similarities is reduced as soon as it is computed, to

- ranks: how many references beat a query's ground truth; with `tie_break="query"` only strictly more
  similar ones (CVM-Net / SAFA / VIGOR `validate`: ties favour the query), with `tie_break="index"`
  also equally similar ones with a lower index (the position in a stable descending sort, as
  OriCNN's MATLAB `RecallGeo.m` / `RecallN.m` rank);
- the top-k references per query, sorted by similarity with the lower index first on ties;

so memory is bounded by the block size and the result equals the dense computation.

Exactness: a query's ground-truth similarity is read from the same block GEMM that produces the
similarities it is compared with whenever the references fit in one block (the default up to about a
million references). With several reference blocks it comes from a GEMM over row chunks of the same
inner dimension; with OpenBLAS (numpy's default) such elements are bit-identical to the full
product, and every block re-checks it (`SearchResult.threshold_mismatches` counts any disagreement).
"""

import concurrent.futures
import glob
import os
from dataclasses import dataclass

import numpy as np

from cvgeo.evaluation.errors import EvaluationError

DEFAULT_BLOCK_BYTES = 256 << 20
# Rank of a query without ground truth: never below any K.
NO_GROUND_TRUTH_RANK = np.iinfo(np.int64).max
# Smallest automatic block: BLAS switches to other kernels (other rounding) for small products.
_MIN_QUERY_BLOCK, _MIN_REFERENCE_BLOCK = 64, 256
TIE_BREAKS = ("query", "index")
BACKENDS = ("auto", "numpy", "tensorflow")


@dataclass(frozen=True)
class SearchResult:
    """Per-query outputs of `search` (None where not requested).

    ranks [Q] int64: references ranked above the ground truth (NO_GROUND_TRUTH_RANK where it has none).
    excluded_above [Q] int64: how many of the `exclude` references are among those counted in ranks.
    top_indices [Q, k] int64 / top_similarities [Q, k] float32: best references, best first.
    threshold_mismatches: ground-truth similarities that differed between GEMM shapes (0 = exact).
    """

    ranks: np.ndarray | None
    excluded_above: np.ndarray | None
    top_indices: np.ndarray | None
    top_similarities: np.ndarray | None
    threshold_mismatches: int = 0


def search(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    ground_truth: np.ndarray | None = None,
    tie_break: str = "query",
    exclude: np.ndarray | None = None,
    k: int = 0,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    query_block: int | None = None,
    reference_block: int | None = None,
    backend: str = "auto",
) -> SearchResult:
    """Streams similarity = query @ reference.T block by block; see the module docstring.

    Args:
      query: [Q, D] float32; reference: [R, D] float32.
      ground_truth: [Q] reference index per query (-1: none, never a hit); None skips ranks.
      tie_break: "query" (ties favour the query) or "index" (lower reference index first).
      exclude: [Q, m] reference indices (-1 padding) whose contribution to the rank is also reported
        separately in `excluded_above` (VIGOR's hit rate ignores the semi-positives).
      k: length of the top-k lists (0: none).
      block_bytes: memory for one block of similarities; sets the block sizes not given explicitly.
      query_block / reference_block: explicit block sizes (rows / columns of a block).
      backend: "numpy" (BLAS on CPU), "tensorflow" (on GPU when present) or "auto" (TensorFlow when
        an NVIDIA GPU is present, otherwise numpy).
    """
    query = np.ascontiguousarray(query, np.float32)
    reference = np.ascontiguousarray(reference, np.float32)
    if query.ndim != 2 or reference.ndim != 2 or query.shape[1] != reference.shape[1]:
        raise EvaluationError(f"need query [Q, D] and reference [R, D], got {query.shape} and {reference.shape}")
    if tie_break not in TIE_BREAKS:
        raise EvaluationError(f"unknown tie_break {tie_break!r}; choose one of {TIE_BREAKS}")
    num_queries, num_references = len(query), len(reference)
    k = min(int(k), num_references)
    if ground_truth is not None:
        ground_truth = np.asarray(ground_truth, np.int64).reshape(num_queries)
        if ground_truth.size and (ground_truth.min() < -1 or ground_truth.max() >= num_references):
            raise EvaluationError(f"ground_truth must hold reference indices in [-1, {num_references})")
    if exclude is not None:
        exclude = np.asarray(exclude, np.int64).reshape(num_queries, -1)
    blocks = _block_sizes(num_queries, num_references, block_bytes, query_block, reference_block)
    engine = _engine(backend)(reference)
    try:
        return _Search(query, reference, ground_truth, tie_break, exclude, k, blocks, engine).run()
    finally:
        engine.close()


def _block_sizes(num_queries, num_references, block_bytes, query_block, reference_block) -> tuple[int, int]:
    if reference_block is None:
        # One reference block whenever a minimal block of query rows fits the budget: thresholds then
        # come from the very GEMM they are compared with.
        fits = _MIN_QUERY_BLOCK * num_references * 4 <= block_bytes
        reference_block = num_references if fits else max(block_bytes // (_MIN_QUERY_BLOCK * 4), _MIN_REFERENCE_BLOCK)
    reference_block = int(min(max(reference_block, 1), num_references))
    if query_block is None:
        query_block = max(block_bytes // (4 * reference_block), _MIN_QUERY_BLOCK)
    # A single-row block would make BLAS use GEMV, whose rounding differs from GEMM's.
    query_block = int(min(max(query_block, 2), max(num_queries, 2)))
    return query_block, reference_block


def _engine(backend: str):
    if backend not in BACKENDS:
        raise EvaluationError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    if backend == "auto":
        backend = "tensorflow" if _nvidia_gpu_present() else "numpy"
    return _TensorFlowEngine if backend == "tensorflow" else _NumpyEngine


def _nvidia_gpu_present() -> bool:
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    if not glob.glob("/dev/nvidia[0-9]*"):
        return False
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


class _Search:
    """The block loop shared by both engines; engines supply the per-block array operations."""

    def __init__(self, query, reference, ground_truth, tie_break, exclude, k, blocks, engine):
        self.query, self.reference = query, reference
        self.ground_truth, self.tie_break, self.exclude, self.k = ground_truth, tie_break, exclude, k
        self.query_block, self.reference_block = blocks
        self.engine = engine
        self.single_reference_block = self.reference_block >= len(reference)

    def run(self) -> SearchResult:
        num_queries, num_references = len(self.query), len(self.reference)
        ranks = np.zeros(num_queries, np.int64) if self.ground_truth is not None else None
        excluded = np.zeros(num_queries, np.int64) if ranks is not None and self.exclude is not None else None
        top_indices = np.zeros((num_queries, self.k), np.int64) if self.k else None
        top_similarities = np.zeros((num_queries, self.k), np.float32) if self.k else None
        mismatches = 0
        for q0 in range(0, num_queries, self.query_block):
            q1 = min(q0 + self.query_block, num_queries)
            rows = self.query[q0:q1]
            if len(rows) == 1:  # keep the GEMM path (see _block_sizes)
                rows = np.concatenate([rows, rows])
            gt = None if ranks is None else self.ground_truth[q0:q1]
            threshold = None
            if gt is not None and not self.single_reference_block:
                threshold = pair_similarities(self.query[q0:q1], self.reference, gt)
            best = None
            block_ranks = np.zeros(q1 - q0, np.int64)
            block_excluded = np.zeros(q1 - q0, np.int64)
            for r0 in range(0, num_references, self.reference_block):
                r1 = min(r0 + self.reference_block, num_references)
                sims = self.engine.similarities(rows, r0, r1)
                if gt is not None:
                    if self.single_reference_block:
                        threshold = self.engine.gather(sims, np.maximum(gt, 0))[: q1 - q0]
                    else:
                        mismatches += self._check_threshold(sims, gt, threshold, r0, r1)
                    block_ranks += self._count_above(sims, gt, threshold, r0, r1)
                    if excluded is not None:
                        block_excluded += self._count_excluded(sims, q0, q1, gt, threshold, r0, r1)
                if self.k:
                    best = _merge_top_k(best, self.engine.top_k(sims, min(self.k, r1 - r0), r0, q1 - q0), self.k)
            if ranks is not None:
                block_ranks[gt < 0] = NO_GROUND_TRUTH_RANK
                ranks[q0:q1] = block_ranks
                if excluded is not None:
                    excluded[q0:q1] = block_excluded
            if self.k:
                top_indices[q0:q1], top_similarities[q0:q1] = best
        return SearchResult(ranks, excluded, top_indices, top_similarities, mismatches)

    def _count_above(self, sims, gt, threshold, r0, r1) -> np.ndarray:
        n = len(gt)
        strict = np.where(gt >= 0, threshold, np.float32(np.inf)).astype(np.float32)
        if self.tie_break == "index":
            # References wholly before the ground truth also count when equal: s >= t is s > nextafter(t, -inf).
            before = (gt >= r1)
            strict = np.where(before, np.nextafter(strict, np.float32(-np.inf)), strict).astype(np.float32)
        counts = self.engine.count_greater(sims, strict, n)
        if self.tie_break == "index":
            inside = np.flatnonzero((gt >= r0) & (gt < r1))
            if inside.size:
                counts[inside] += self.engine.count_equal_before(sims, inside, threshold[inside], gt[inside] - r0)
        return counts

    def _count_excluded(self, sims, q0, q1, gt, threshold, r0, r1) -> np.ndarray:
        columns = self.exclude[q0:q1]
        valid = (columns >= r0) & (columns < r1) & (columns != gt[:, None]) & (gt[:, None] >= 0)
        if not valid.any():
            return np.zeros(q1 - q0, np.int64)
        rows, slots = np.nonzero(valid)
        values = self.engine.gather_pairs(sims, rows, columns[rows, slots] - r0)
        above = values > threshold[rows]
        if self.tie_break == "index":
            above |= (values == threshold[rows]) & (columns[rows, slots] < gt[rows])
        return np.bincount(rows[above], minlength=q1 - q0).astype(np.int64)

    def _check_threshold(self, sims, gt, threshold, r0, r1) -> int:
        inside = np.flatnonzero((gt >= r0) & (gt < r1))
        if not inside.size:
            return 0
        values = self.engine.gather_pairs(sims, inside, gt[inside] - r0)
        return int(np.count_nonzero(values != threshold[inside]))


def pair_similarities(query: np.ndarray, reference: np.ndarray, columns: np.ndarray, chunk: int = 64) -> np.ndarray:
    """query[i] . reference[columns[i]] for every i (-1 columns give -inf), by GEMMs over row chunks.

    A GEMM (not a row-wise dot) so that the rounding matches the block similarities of `search`.
    """
    columns = np.asarray(columns, np.int64)
    out = np.full(len(columns), -np.inf, np.float32)
    valid = np.flatnonzero(columns >= 0)
    for start in range(0, len(valid), chunk):
        rows = valid[start : start + chunk]
        a, b = query[rows], reference[columns[rows]]
        if len(rows) == 1:
            a, b = np.concatenate([a, a]), np.concatenate([b, b])
        out[rows] = np.diagonal(a @ b.T)[: len(rows)]
    return out


def _merge_top_k(best, block, k):
    """Merges two (indices, similarities) lists, each sorted by (-similarity, index); `best` has the
    lower indices, so a stable sort on -similarity keeps lower indices first among ties."""
    if best is None:
        return block
    indices = np.concatenate([best[0], block[0]], axis=1)
    values = np.concatenate([best[1], block[1]], axis=1)
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(values, order, axis=1)


class _NumpyEngine:
    """Blocks on the CPU with numpy's BLAS; the reductions are split over threads (numpy releases the GIL)."""

    def __init__(self, reference: np.ndarray):
        self.reference = reference
        self.buffer = None
        self.threads = max(1, min(os.cpu_count() or 1, 8))
        self.pool = concurrent.futures.ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()

    def similarities(self, rows: np.ndarray, r0: int, r1: int) -> np.ndarray:
        shape = (len(rows), r1 - r0)
        if self.buffer is None or self.buffer.size < shape[0] * shape[1]:
            self.buffer = np.empty(shape[0] * shape[1], np.float32)
        out = self.buffer[: shape[0] * shape[1]].reshape(shape)
        np.matmul(rows, self.reference[r0:r1].T, out=out)
        return out

    def gather(self, sims, columns):
        return sims[np.arange(len(columns)), columns].astype(np.float32)

    def gather_pairs(self, sims, rows, columns):
        return sims[rows, columns]

    def count_greater(self, sims, thresholds, n):
        def count(lo, hi):
            return np.count_nonzero(sims[lo:hi] > thresholds[lo:hi, None], axis=1)

        if self.pool is None or n < 2 * self.threads:
            return count(0, n).astype(np.int64)
        edges = np.linspace(0, n, self.threads + 1).astype(int)
        parts = self.pool.map(count, edges[:-1], edges[1:])
        return np.concatenate(list(parts)).astype(np.int64)

    def count_equal_before(self, sims, rows, thresholds, limits):
        return np.array(
            [np.count_nonzero(sims[r, :limit] == t) for r, t, limit in zip(rows, thresholds, limits)], np.int64
        )

    def top_k(self, sims, k, r0, n):
        sims = sims[:n]
        if k == 1:
            index = sims.argmax(axis=1)  # first maximum = lowest index
            return (index + r0)[:, None], sims[np.arange(n), index][:, None]
        width = sims.shape[1]
        if k >= width:
            order = np.argsort(-sims, axis=1, kind="stable")
        else:
            order = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            kth = np.take_along_axis(sims, order, axis=1).min(axis=1)
            # argpartition picks arbitrarily among references tied with the k-th: redo those rows.
            for row in np.flatnonzero(np.count_nonzero(sims >= kth[:, None], axis=1) > k):
                order[row] = np.argsort(-sims[row], kind="stable")[:k]
        values = np.take_along_axis(sims, order, axis=1)
        order = np.take_along_axis(order, np.lexsort((order, -values), axis=1), axis=1)[:, :k]
        return order.astype(np.int64) + r0, np.take_along_axis(sims, order, axis=1)


class _TensorFlowEngine:
    """Blocks on TensorFlow's default device (the GPU when present); only reductions leave the device."""

    def __init__(self, reference: np.ndarray):
        import tensorflow as tf

        self.tf = tf
        tf.config.experimental.enable_tensor_float_32_execution(False)  # exact float32 products
        self.reference = tf.constant(reference)

    def close(self):
        pass

    def similarities(self, rows, r0, r1):
        return self.tf.matmul(self.tf.constant(rows), self.reference[r0:r1], transpose_b=True)

    def gather(self, sims, columns):
        rows = sims[: len(columns)]
        return self.tf.gather(rows, self.tf.constant(columns[:, None]), batch_dims=1)[:, 0].numpy()

    def gather_pairs(self, sims, rows, columns):
        return self.tf.gather_nd(sims, self.tf.constant(np.stack([rows, columns], axis=1))).numpy()

    def count_greater(self, sims, thresholds, n):
        tf = self.tf
        above = sims[:n] > tf.constant(thresholds)[:, None]
        return tf.math.count_nonzero(above, axis=1, dtype=tf.int64).numpy()

    def count_equal_before(self, sims, rows, thresholds, limits):
        tf = self.tf
        block = tf.gather(sims, tf.constant(rows))
        columns = tf.range(tf.shape(block)[1], dtype=tf.int64)[None, :]
        tied = (block == tf.constant(thresholds)[:, None]) & (columns < tf.constant(limits)[:, None])
        return tf.math.count_nonzero(tied, axis=1, dtype=tf.int64).numpy()

    def top_k(self, sims, k, r0, n):
        # tf.math.top_k returns equal values with the lower index first.
        values, indices = self.tf.math.top_k(sims[:n], k=k, sorted=True)
        return indices.numpy().astype(np.int64) + r0, values.numpy()
