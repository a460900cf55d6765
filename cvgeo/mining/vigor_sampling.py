"""VIGOR's training batches: panoramas drawn through their positive tiles, no two sharing a tile.

VIGOR (Zhu et al., CVPR 2021, `dataloader.py`: `get_init_idx`, `check_overlap`, `get_next_batch`
without mining) draws a tile uniformly among those that are some panorama's positive, then one of
that tile's panoramas uniformly, and rejects the panorama if any of its four tiles (positive and
three semi-positives) is a tile of a panorama already in the batch: a semi-positive in the batch
would otherwise be a false negative of the in-batch soft-margin loss. An epoch is
int(panoramas / batch) batches. The original retries forever; here a batch that cannot be completed
is an error.
"""

import numpy as np

from cvgeo.errors import CvgeoError

# Draws per batch member before the batch is declared impossible (the original never gives up).
MAX_DRAWS_PER_MEMBER = 10_000


class VigorSamplingError(CvgeoError):
    """The batch size asks for more panoramas with pairwise disjoint tiles than can be drawn."""


class VigorBatchSampler:
    """Draws batches of panorama indices as VIGOR's training loader does.

    `tiles` [P, 4] holds each panorama's tile indices, the positive first (VIGOR's label columns 1,
    4, 7, 10). Panoramas are grouped by their positive tile, in order of first appearance as the
    original's `train_sat_cover_dict`.
    """

    def __init__(self, tiles: np.ndarray):
        tiles = np.asarray(tiles, np.int64)
        if tiles.ndim != 2 or tiles.shape[0] == 0:
            raise ValueError(f"tiles must be [panoramas, tiles per panorama], got shape {tiles.shape}")
        self.tiles = tiles
        positives, first, inverse = np.unique(tiles[:, 0], return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        self.positives = positives[order]
        grouped = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(positives)))
        groups = np.split(grouped, bounds[:-1])
        self.panoramas_of_positive = [groups[group] for group in order]

    def batch(self, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        """`batch_size` panorama indices whose tiles are pairwise disjoint."""
        chosen: list[int] = []
        used: set[int] = set()
        draws = 0
        while len(chosen) < batch_size and draws < batch_size * MAX_DRAWS_PER_MEMBER:
            draws += 1
            group = self.panoramas_of_positive[rng.integers(len(self.panoramas_of_positive))]
            panorama = int(group[rng.integers(len(group))])
            tiles = set(self.tiles[panorama].tolist())
            if used.isdisjoint(tiles):
                chosen.append(panorama)
                used |= tiles
        if len(chosen) < batch_size:
            raise VigorSamplingError(
                f"--batch_size={batch_size}: found only {len(chosen)} panoramas whose tiles do not overlap "
                f"in {draws:,} draws; use a smaller batch"
            )
        return np.asarray(chosen, np.int64)

    def epoch(self, rng: np.random.Generator, batch_size: int) -> list[np.ndarray]:
        """One epoch: int(panoramas / batch_size) batches."""
        return [self.batch(rng, batch_size) for _ in range(len(self.tiles) // batch_size)]
