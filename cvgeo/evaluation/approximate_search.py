"""Approximate top-k search for databases too large for exact search (optional `faiss` extra).

A faiss index over the references proposes candidates; every candidate is then re-scored exactly
(dot product in float32) and the final list is sorted by (-similarity, index) like `exact_search`.
The references can be split into shards, each its own index, built and searched one after another
(optionally saved to disk), so only one shard's index needs to be in memory at a time.

Index kinds (inner-product metric):
- "flat": exhaustive, exact up to float rounding; the baseline.
- "ivf": inverted lists over `nlist` k-means cells, `nprobe` of them searched.
- "ivfpq": as "ivf" with product-quantised vectors (`pq_m` sub-vectors of 8 bits): ~D/pq_m x smaller.
"""

import os
from dataclasses import dataclass

import numpy as np

from cvgeo.evaluation.errors import EvaluationError

INDEX_KINDS = ("flat", "ivf", "ivfpq")


def _faiss():
    try:
        import faiss
    except ImportError:
        raise EvaluationError("approximate search needs faiss: install the 'faiss' extra (pip install 'cvgeo[faiss]')") from None
    return faiss


@dataclass(frozen=True)
class IndexOptions:
    """kind: one of INDEX_KINDS; nlist: IVF cells per shard (default ~4 sqrt(n)); nprobe: cells searched;
    pq_m: PQ sub-vectors (must divide D); train_size: vectors used to train IVF/PQ (seeded sample)."""

    kind: str = "ivfpq"
    nlist: int | None = None
    nprobe: int = 16
    pq_m: int = 16
    train_size: int = 100_000
    seed: int = 0


class ShardedIndex:
    """faiss indexes over consecutive shards of the references; `search` re-ranks exactly."""

    def __init__(self, reference: np.ndarray, options: IndexOptions = IndexOptions(), num_shards: int = 1,
                 shard_dir: str | None = None):
        if options.kind not in INDEX_KINDS:
            raise EvaluationError(f"unknown index kind {options.kind!r}; choose one of {INDEX_KINDS}")
        self.reference = np.ascontiguousarray(reference, np.float32)
        self.options = options
        edges = np.linspace(0, len(self.reference), max(1, int(num_shards)) + 1).astype(int)
        self.shards = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
        self.shard_dir = shard_dir
        self._indexes = {}
        for number, (start, stop) in enumerate(self.shards):
            index = self._build(self.reference[start:stop])
            if shard_dir:  # keep only the file: the shard is read back when searched
                os.makedirs(shard_dir, exist_ok=True)
                _faiss().write_index(index, self._shard_path(number))
            else:
                self._indexes[number] = index

    def _shard_path(self, number: int) -> str:
        return os.path.join(self.shard_dir, f"shard_{number:05d}.faiss")

    def _build(self, vectors: np.ndarray):
        faiss = _faiss()
        options, dim = self.options, vectors.shape[1]
        if options.kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            nlist = options.nlist or max(1, min(int(4 * np.sqrt(len(vectors))), len(vectors) // 39 or 1))
            quantizer = faiss.IndexFlatIP(dim)
            if options.kind == "ivf":
                index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            else:
                if dim % options.pq_m:
                    raise EvaluationError(f"pq_m={options.pq_m} must divide the descriptor dimension {dim}")
                index = faiss.IndexIVFPQ(quantizer, dim, nlist, options.pq_m, 8, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(options.seed)
            sample = vectors if len(vectors) <= options.train_size else vectors[
                np.sort(rng.choice(len(vectors), options.train_size, replace=False))]
            index.cp.seed = options.seed
            index.train(sample)
            index.nprobe = min(options.nprobe, nlist)
            index.quantizer_trains_alone = 0
        index.add(vectors)
        return index

    def _index(self, number: int):
        if number in self._indexes:
            return self._indexes[number]
        index = _faiss().read_index(self._shard_path(number))
        if hasattr(index, "nprobe"):
            index.nprobe = min(self.options.nprobe, index.nlist)
        return index

    def search(self, query: np.ndarray, k: int, candidates: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k references per query ([Q, k] indices, similarities), best first, lower index on ties.

        Each shard proposes `candidates` (default 4k) references per query; all are re-scored exactly.
        """
        query = np.ascontiguousarray(query, np.float32)
        k = min(int(k), len(self.reference))
        candidates = max(k, candidates or 4 * k)
        proposed = []
        for number, (start, _) in enumerate(self.shards):
            _, found = self._index(number).search(query, min(candidates, self.shards[number][1] - start))
            proposed.append(np.where(found >= 0, found + start, -1))
        return _rerank(query, self.reference, np.concatenate(proposed, axis=1), k)


def _rerank(query, reference, candidates, k, chunk=1024):
    """Exact similarities of the candidate references, sorted by (-similarity, index), first k kept."""
    indices = np.zeros((len(query), k), np.int64)
    values = np.zeros((len(query), k), np.float32)
    for start in range(0, len(query), chunk):
        ids = np.sort(candidates[start : start + chunk], axis=1)
        duplicate = np.zeros(ids.shape, bool)
        duplicate[:, 1:] = ids[:, 1:] == ids[:, :-1]  # shards never overlap, but faiss may pad with -1
        similarity = np.einsum("qd,qcd->qc", query[start : start + chunk], reference[np.maximum(ids, 0)])
        similarity[(ids < 0) | duplicate] = -np.inf
        order = np.lexsort((ids, -similarity), axis=1)[:, :k]
        indices[start : start + chunk] = np.take_along_axis(ids, order, axis=1)
        values[start : start + chunk] = np.take_along_axis(similarity, order, axis=1)
    return indices, values


def approximate_top_k(query: np.ndarray, reference: np.ndarray, k: int, *, options: IndexOptions = IndexOptions(),
                      num_shards: int = 1, candidates: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Builds a (sharded) index over `reference` and returns the re-ranked top-k of each query."""
    return ShardedIndex(reference, options, num_shards).search(query, k, candidates)


def ranks_from_top_k(top_indices: np.ndarray, ground_truth: np.ndarray) -> np.ndarray:
    """A query's rank = position of its ground truth in the list, len(list) when absent (a miss at every
    K up to the list length); compatible with `recall.recall_at_k` for K <= list length."""
    hits = top_indices == np.asarray(ground_truth)[:, None]
    return np.where(hits.any(axis=1), hits.argmax(axis=1), top_indices.shape[1])
