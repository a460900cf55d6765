import numpy as np
import pytest

from cvgeo.evaluation import EvaluationError, search
from tests.evaluation.dense_oracles import dense_ranks, dense_top_k, exact_similarities, near_ties, quantised

BLOCKS = [(None, None), (2, 3), (5, 64), (64, 7), (1000, 1)]


def _hand_case():
    reference = np.eye(4, dtype=np.float32)
    # Similarities = the query rows themselves.
    query = np.array([[0.5, 0.25, 0.5, 0.125], [0.5, 0.25, 0.5, 0.125], [0.0, 1.0, 0.0, 1.0]], np.float32)
    return query, reference


def test_hand_made_ranks_and_ties():
    query, reference = _hand_case()
    gt = np.array([0, 2, 3])
    favour_query = search(query, reference, ground_truth=gt, tie_break="query").ranks
    by_index = search(query, reference, ground_truth=gt, tie_break="index").ranks
    # Query 0: reference 2 ties with the GT 0 -> 0 either way (2 comes after 0).
    # Query 1: GT 2 ties with reference 0 -> 0 when ties favour the query, 1 when lower index wins.
    # Query 2: GT 3 ties with reference 1 -> 0 / 1.
    np.testing.assert_array_equal(favour_query, [0, 0, 0])
    np.testing.assert_array_equal(by_index, [0, 1, 1])


def test_hand_made_top_k_lower_index_first():
    query, reference = _hand_case()
    result = search(query, reference, k=3)
    np.testing.assert_array_equal(result.top_indices, [[0, 2, 1], [0, 2, 1], [1, 3, 0]])
    np.testing.assert_array_equal(result.top_similarities[2], np.float32([1, 1, 0]))


def test_missing_ground_truth_ranks_last():
    query, reference = _hand_case()
    ranks = search(query, reference, ground_truth=np.array([-1, 0, -1])).ranks
    assert ranks[1] == 0 and ranks[0] == ranks[2] == np.iinfo(np.int64).max


@pytest.mark.parametrize("tie_break", ["query", "index"])
@pytest.mark.parametrize("query_block,reference_block", BLOCKS)
def test_streaming_equals_dense_with_ties(tie_break, query_block, reference_block):
    rng = np.random.default_rng(7)
    query, reference = quantised(rng, 37, 6), quantised(rng, 53, 6)
    gt = rng.integers(-1, 53, 37)
    result = search(query, reference, ground_truth=gt, tie_break=tie_break, k=9,
                    query_block=query_block, reference_block=reference_block, backend="numpy")
    np.testing.assert_array_equal(result.ranks, dense_ranks(query, reference, gt, tie_break))
    indices, values = dense_top_k(query, reference, 9)
    np.testing.assert_array_equal(result.top_indices, indices)
    np.testing.assert_array_equal(result.top_similarities, values)


def test_streaming_equals_dense_on_float_data_with_small_blocks():
    rng = np.random.default_rng(3)
    query = rng.standard_normal((300, 64)).astype(np.float32)
    reference = rng.standard_normal((500, 64)).astype(np.float32)
    gt = np.arange(300)
    dense = dense_ranks(query, reference, gt)
    for block_bytes in (4 << 10, 64 << 10, 256 << 20):  # many reference blocks, then one
        result = search(query, reference, ground_truth=gt, block_bytes=block_bytes)
        np.testing.assert_array_equal(result.ranks, dense)
        # Well-separated similarities: the float32 GEMM decides nearly every pair by itself.
        assert result.rechecked < 0.001 * 300 * 500


def _near_tie_case(seed, dim=48):
    """References in groups of 6 (a row, 4 variants 1-4 ulps away, an exact duplicate); each query is
    a noisy copy of a group's row whose ground truth is one member of the group."""
    rng = np.random.default_rng(seed)
    reference = near_ties(rng, 9, dim)
    groups = rng.integers(0, 9, 40)
    query = reference[groups * 6] + rng.standard_normal((40, dim)).astype(np.float32) * np.float32(0.05 / np.sqrt(dim))
    gt = groups * 6 + rng.integers(0, 6, 40)
    gt[::13] = -1
    return query.astype(np.float32), reference, gt


NEAR_TIE_BLOCKS = [(None, None), (1, 1), (1, 7), (3, 5), (7, 2), (4, 6), (5, 4), (40, 3)]


@pytest.mark.parametrize("tie_break", ["query", "index"])
@pytest.mark.parametrize("query_block,reference_block", NEAR_TIE_BLOCKS)
def test_near_ties_equal_float64_oracle_for_every_block_size(tie_break, query_block, reference_block):
    query, reference, gt = _near_tie_case(21)
    result = search(query, reference, ground_truth=gt, tie_break=tie_break, k=8,
                    query_block=query_block, reference_block=reference_block, backend="numpy")
    np.testing.assert_array_equal(result.ranks, np.where(gt < 0, np.iinfo(np.int64).max,
                                                         dense_ranks(query, reference, gt, tie_break)))
    indices, values = dense_top_k(query, reference, 8)
    np.testing.assert_array_equal(result.top_indices, indices)
    np.testing.assert_array_equal(result.top_similarities, values)
    # The float32 GEMM cannot separate the group members, so they were re-checked.
    assert result.rechecked > 0


def test_near_ties_are_real():
    """The fixture does what it claims: members of a group differ by less than float32 GEMM error,
    and each group holds an exact tie."""
    query, reference, _ = _near_tie_case(21)
    exact = exact_similarities(query, reference)
    group = exact[0].reshape(9, 6)
    spread = group.max(axis=1) - group.min(axis=1)
    assert np.all(spread < 1e-6) and np.all(spread > 0)
    np.testing.assert_array_equal(group[:, 0], group[:, 5])


def test_block_split_between_ground_truth_and_its_competitors():
    query, reference, gt = _near_tie_case(5)
    gt = (gt // 6) * 6 + 2  # the ground truth is the third member of its group
    gt[::13] = -1
    for tie_break in ("query", "index"):
        expected = dense_ranks(query, reference, np.maximum(gt, 0), tie_break)
        for reference_block in (2, 3, 4):  # the block boundary falls inside every group
            ranks = search(query, reference, ground_truth=gt, tie_break=tie_break, reference_block=reference_block).ranks
            np.testing.assert_array_equal(ranks[gt >= 0], expected[gt >= 0])


def test_excluded_references_counted_separately():
    rng = np.random.default_rng(11)
    query, reference = quantised(rng, 20, 5), quantised(rng, 30, 5)
    gt = rng.integers(0, 30, 20)
    exclude = np.stack([rng.choice(30, 3, replace=False) for _ in range(20)])
    exclude[0, 0] = gt[0]  # the ground truth itself is never counted
    exclude[1, 1] = -1  # padding
    for tie_break in ("query", "index"):
        result = search(query, reference, ground_truth=gt, exclude=exclude, tie_break=tie_break, reference_block=4)
        for i in range(20):
            kept = np.setdiff1d(np.arange(30), exclude[i][(exclude[i] >= 0) & (exclude[i] != gt[i])])
            position = kept.searchsorted(gt[i])
            expected = dense_ranks(query[i : i + 1], reference[kept], [position], tie_break)[0]
            assert result.ranks[i] - result.excluded_above[i] == expected
        np.testing.assert_array_equal(result.ranks, dense_ranks(query, reference, gt, tie_break))


def test_single_query_and_single_reference():
    rng = np.random.default_rng(0)
    query, reference = quantised(rng, 1, 4), quantised(rng, 1, 4)
    result = search(query, reference, ground_truth=np.array([0]), k=5)
    assert result.ranks.tolist() == [0] and result.top_indices.tolist() == [[0]]


def test_tensorflow_backend_equals_dense():
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(5)
    query, reference = quantised(rng, 19, 6), quantised(rng, 23, 6)
    gt = rng.integers(0, 23, 19)
    for tie_break in ("query", "index"):
        result = search(query, reference, ground_truth=gt, tie_break=tie_break, k=6, reference_block=5,
                        query_block=4, backend="tensorflow")
        np.testing.assert_array_equal(result.ranks, dense_ranks(query, reference, gt, tie_break))
        np.testing.assert_array_equal(result.top_indices, dense_top_k(query, reference, 6)[0])
    single = search(query[:1], reference, ground_truth=gt[:1], k=3, backend="tensorflow")  # one-row block
    assert single.ranks.tolist() == dense_ranks(query[:1], reference, gt[:1]).tolist()


def test_tensorflow_backend_equals_numpy_on_near_ties():
    pytest.importorskip("tensorflow")
    query, reference, gt = _near_tie_case(8)
    for tie_break in ("query", "index"):
        options = dict(ground_truth=gt, tie_break=tie_break, k=7, query_block=6, reference_block=5)
        on_tf = search(query, reference, backend="tensorflow", **options)
        on_numpy = search(query, reference, backend="numpy", **options)
        np.testing.assert_array_equal(on_tf.ranks, on_numpy.ranks)
        np.testing.assert_array_equal(on_tf.top_indices, on_numpy.top_indices)
        np.testing.assert_array_equal(on_tf.top_similarities, on_numpy.top_similarities)


def test_bad_arguments():
    with pytest.raises(EvaluationError, match="tie_break"):
        search(np.zeros((2, 3)), np.zeros((2, 3)), ground_truth=np.array([0, 1]), tie_break="nope")
    with pytest.raises(EvaluationError, match="ground_truth"):
        search(np.zeros((2, 3)), np.zeros((2, 3)), ground_truth=np.array([0, 2]))
    with pytest.raises(EvaluationError, match="query"):
        search(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(EvaluationError, match="reference descriptors hold NaN"):
        search(np.zeros((2, 3)), np.full((2, 3), np.nan))
