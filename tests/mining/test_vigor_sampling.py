import itertools

import numpy as np
import pytest

from cvgeo.mining.vigor_sampling import VigorBatchSampler, VigorSamplingError

# Six panoramas: the positive tile first, then three semi-positives. 0 and 1 share their positive,
# 0 and 2 share tile 1, 3 and 4 share their positive; 5 overlaps nobody.
TILES = np.array([
    [0, 1, 2, 3], [0, 4, 5, 6], [1, 7, 8, 9], [10, 11, 12, 13], [10, 14, 15, 16], [20, 21, 22, 23],
])


def test_batches_never_hold_two_panoramas_that_share_a_tile():
    sampler = VigorBatchSampler(TILES)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(300):
        batch = sampler.batch(rng, 3)
        assert len(batch) == 3
        for a, b in itertools.combinations(batch, 2):
            assert not set(TILES[a]) & set(TILES[b]), (a, b)
        seen.update(batch.tolist())
    assert seen == set(range(6))
    assert [len(batch) for batch in sampler.epoch(rng, 2)] == [2, 2, 2]  # int(6 / 2) batches


def test_a_panorama_is_drawn_through_a_uniform_positive_tile():
    # Positive tiles 0, 1, 10, 20 are equally likely, then a panorama of the tile: 0 and 1 share
    # tile 0's quarter, 3 and 4 tile 10's, while 2 and 5 each have a quarter to themselves.
    sampler = VigorBatchSampler(TILES)
    assert sampler.positives.tolist() == [0, 1, 10, 20]
    rng = np.random.default_rng(1)
    draws = np.array([sampler.batch(rng, 1)[0] for _ in range(8000)])
    frequencies = np.bincount(draws, minlength=6) / len(draws)
    np.testing.assert_allclose(frequencies, [1 / 8, 1 / 8, 1 / 4, 1 / 8, 1 / 8, 1 / 4], atol=0.02)


def test_a_batch_larger_than_the_disjoint_panoramas_is_an_error():
    # At most four panoramas have pairwise disjoint tiles: 1 and 2 (0 overlaps both), 3 or 4, and 5.
    with pytest.raises(VigorSamplingError, match="--batch_size=5: found only 4 panoramas"):
        VigorBatchSampler(TILES).batch(np.random.default_rng(2), 5)
    with pytest.raises(ValueError, match="tiles must be"):
        VigorBatchSampler(np.zeros((0, 4)))
