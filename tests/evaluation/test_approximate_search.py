import numpy as np
import pytest

from cvgeo.evaluation import EvaluationError, search
from cvgeo.evaluation.approximate_search import IndexOptions, ShardedIndex, approximate_top_k, ranks_from_top_k
from cvgeo.evaluation.recall import recall_at_k

pytest.importorskip("faiss")


def _data(queries=200, references=1500, dim=32, seed=0):
    rng = np.random.default_rng(seed)
    reference = rng.standard_normal((references, dim)).astype(np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    query = reference[:queries] + 0.6 * rng.standard_normal((queries, dim)).astype(np.float32) / np.sqrt(dim)
    return query.astype(np.float32), reference


@pytest.mark.parametrize("shards", [1, 3])
def test_flat_index_equals_exact_search(shards, tmp_path):
    query, reference = _data()
    exact = search(query, reference, k=10)
    index = ShardedIndex(reference, IndexOptions(kind="flat"), num_shards=shards,
                         shard_dir=str(tmp_path) if shards > 1 else None)
    indices, values = index.search(query, 10)
    np.testing.assert_array_equal(indices, exact.top_indices)
    np.testing.assert_allclose(values, exact.top_similarities, atol=1e-6)


def test_ivf_probing_every_cell_is_exact():
    query, reference = _data()
    indices, _ = approximate_top_k(query, reference, 5, options=IndexOptions(kind="ivf", nlist=8, nprobe=8))
    np.testing.assert_array_equal(indices, search(query, reference, k=5).top_indices)


def test_ivfpq_recall_close_to_exact():
    query, reference = _data()
    gt = np.arange(len(query))
    exact = recall_at_k(search(query, reference, ground_truth=gt).ranks, 1)
    indices, _ = approximate_top_k(query, reference, 10, options=IndexOptions(kind="ivfpq", nlist=16, nprobe=4, pq_m=8),
                                   candidates=50)
    approximate = recall_at_k(ranks_from_top_k(indices, gt), 1)
    assert exact > 50 and abs(approximate - exact) <= 10


def test_bad_options():
    query, reference = _data(10, 100, 30)
    with pytest.raises(EvaluationError, match="divide"):
        approximate_top_k(query, reference, 5, options=IndexOptions(kind="ivfpq", nlist=2, pq_m=8))
    with pytest.raises(EvaluationError, match="unknown index kind"):
        approximate_top_k(query, reference, 5, options=IndexOptions(kind="hnsw"))
