import numpy as np
import pytest

from cvgeo.mining.crosslocate_mining import (
    MiningSettings,
    mine_negatives,
    nearest_positive,
    pad_cyclic,
    remember_negatives,
    sample_negatives,
)


def test_positive_is_the_descriptor_nearest_qualifying_view():
    database = np.array([[0.0, 0.0], [1.0, 0.0], [0.2, 0.0], [0.1, 0.0]])
    view, squared = nearest_positive(np.array([0.0, 0.0]), database, np.array([1, 2, 3]))
    assert view == 3 and squared == pytest.approx(0.01)


def test_negative_samples_avoid_non_negatives_and_are_distinct():
    rng = np.random.default_rng(0)
    non_negatives = np.arange(0, 50)
    sample = sample_negatives(rng, 120, non_negatives, 60)
    assert len(sample) == 60 == len(set(sample.tolist())) and sample.min() >= 50
    with pytest.raises(ValueError, match="only 70 negative views"):
        sample_negatives(rng, 120, non_negatives, 80)


def test_mining_keeps_violators_hardest_first_over_two_attempts_with_reuse():
    # 1-d descriptors: the query at 0, its positive at squared distance 0.25.
    database = np.array([[0.1], [0.3], [0.5], [0.6], [0.9], [2.0], [0.05]])
    samples = iter([np.array([5, 3, 1]), np.array([4, 2, 0])])
    settings = MiningSettings(negatives=3, nearest_factor=10, margin=0.2)
    chosen = mine_negatives(np.array([0.0]), 0.25, database, lambda: next(samples), [6], settings)
    # Attempt 1: 1 (0.09) and 3 (0.36) are < 0.45, 5 is not; attempt 2 sorts 6 (0.0025, reused), 0, 2.
    assert chosen == [1, 3, 6]
    semihard = MiningSettings(negatives=3, strategy="semihard", margin=0.2)
    samples = iter([np.array([5, 3, 1]), np.array([4, 2, 0])])
    # Semi-hard: 0.25 <= d^2 < 0.45 only (3: 0.36; 2: 0.25), the reused 6 is too hard.
    assert mine_negatives(np.array([0.0]), 0.25, database, lambda: next(samples), [6], semihard) == [3, 2]
    none = MiningSettings(negatives=2, strategy="none")
    assert mine_negatives(np.array([0.0]), 0.25, database, lambda: np.array([5, 4, 1]), [], none) == [1, 4]


def test_reuse_memory_and_cyclic_padding():
    assert remember_negatives([1, 2, 3], [7, 8, 9], 3) == [7, 8, 9]
    assert remember_negatives([1, 2, 3], [2, 9], 3) == [2, 9, 1]
    assert pad_cyclic([4, 5], 5) == [4, 5, 4, 5, 4]
    with pytest.raises(ValueError, match="skipped"):
        pad_cyclic([], 3)
