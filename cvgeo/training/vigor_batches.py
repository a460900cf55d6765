"""VIGOR's training epochs: batches drawn by positive tile, no two panoramas sharing a tile.

The split's panoramas are read by position (`cvgeo.data.indexed_split`) in the order
`cvgeo.mining.vigor_sampling.VigorBatchSampler` draws them, which depends only on the seed, so a
resumed epoch is the same as an uninterrupted one.
"""

import numpy as np
import tensorflow as tf

from cvgeo.data.indexed_split import IndexedSplit
from cvgeo.mining.vigor_sampling import VigorBatchSampler

# The features of a VIGOR-style split that the sampler reads: tile indices into the city gallery.
TILE_FEATURES = ("positive_index", "semi_positive_indices")


def samples_by_tile(element_spec: dict) -> bool:
    """Whether a split's examples carry VIGOR's positive and semi-positive tile indices."""
    return all(name in element_spec for name in TILE_FEATURES)


class VigorEpochs:
    """The examples of each epoch of a VIGOR-style split, in VIGOR's sampled batch order."""

    def __init__(self, split: IndexedSplit):
        columns = split.columns(*TILE_FEATURES)
        tiles = np.concatenate([columns["positive_index"][:, None], columns["semi_positive_indices"]], axis=1)
        self.split = split
        self.sampler = VigorBatchSampler(tiles)

    def order(self, seed: int, batch_size: int) -> np.ndarray:
        """Panorama positions of one epoch, int(panoramas / batch_size) batches laid end to end."""
        batches = self.sampler.epoch(np.random.default_rng(seed), batch_size)
        return np.concatenate(batches) if batches else np.zeros(0, np.int64)

    def examples(self, seed: int, batch_size: int) -> tf.data.Dataset:
        """The decoded examples of `order(seed, batch_size)`, ready to batch without shuffling."""
        return self.split.examples(tf.data.Dataset.from_tensor_slices(self.order(seed, batch_size)))
