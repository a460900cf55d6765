"""Random access to the examples of a prepared TFDS split, by position.

VIGOR's training batches are panoramas drawn by tile (`cvgeo.mining.vigor_sampling`), CrossLocate's
by mining over the whole database: both read examples in an order no shuffle buffer gives. TFDS keeps
a split as TFRecord shards, which only stream; rather than a second copy of the data in a
random-access format (TFDS converts to ArrayRecord only through Apache Beam), the shards are indexed
where they lie: one pass over the TFRecord framing (a little-endian uint64 length, a uint32 CRC of
it, the record, a uint32 CRC of the record) gives each record's offset, and a record is then read
with one `os.pread` and parsed by the builder's own feature spec, in a parallel tf.data map.
"""

from __future__ import annotations

import os
import struct
import threading
from typing import TYPE_CHECKING

import numpy as np

from cvgeo.errors import CvgeoError

if TYPE_CHECKING:
    import tensorflow as tf
    import tensorflow_datasets as tfds

_HEADER = struct.Struct("<QI")  # length, masked CRC-32C of the length
_FOOTER_BYTES = 4  # masked CRC-32C of the record


class IndexedSplitError(CvgeoError):
    """A shard does not hold the records its split's metadata promises (truncated or replaced)."""


def record_offsets(path: str) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, lengths) of the records of one uncompressed TFRecord file, in file order."""
    offsets, lengths = [], []
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        position = 0
        while position < size:
            header = file.read(_HEADER.size)
            if len(header) < _HEADER.size:
                raise IndexedSplitError(f"{path}: truncated record header at byte {position}")
            length, _ = _HEADER.unpack(header)
            end = position + _HEADER.size + length + _FOOTER_BYTES
            if end > size:
                raise IndexedSplitError(f"{path}: the record at byte {position} runs past the end of the file")
            offsets.append(position + _HEADER.size)
            lengths.append(length)
            position = end
            file.seek(position)
    return np.array(offsets, np.int64), np.array(lengths, np.int64)


class IndexedSplit:
    """The examples of one split of a prepared builder, readable in any order.

    Example i is the i-th example of `builder.as_dataset(split, shuffle_files=False)`.
    """

    def __init__(self, builder: tfds.core.DatasetBuilder, split: str):
        info = builder.info.splits[split]
        self._builder, self._split = builder, split
        self.features = builder.info.features
        self.paths = [os.path.join(os.fspath(builder.data_dir), name) for name in info.filenames]
        shards, offsets, lengths = [], [], []
        for shard, (path, expected) in enumerate(zip(self.paths, info.shard_lengths)):
            shard_offsets, shard_lengths = record_offsets(path)
            if len(shard_offsets) != expected:
                raise IndexedSplitError(
                    f"{path}: {len(shard_offsets)} records, but the split's metadata says {expected}; "
                    "prepare the dataset again"
                )
            shards.append(np.full(len(shard_offsets), shard, np.int32))
            offsets.append(shard_offsets)
            lengths.append(shard_lengths)
        self._shard = np.concatenate(shards) if shards else np.zeros(0, np.int32)
        self._offset = np.concatenate(offsets) if offsets else np.zeros(0, np.int64)
        self._length = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        self._descriptors: dict[int, int] = {}
        self._opening = threading.Lock()

    def __len__(self) -> int:
        return len(self._offset)

    def serialized(self, index: int) -> bytes:
        """The serialized record of example `index` (thread-safe: `os.pread` has no shared file position)."""
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"example {index} of a split of {len(self)}")
        shard = int(self._shard[index])
        descriptor = self._descriptors.get(shard)
        if descriptor is None:
            with self._opening:
                if shard not in self._descriptors:
                    self._descriptors[shard] = os.open(self.paths[shard], os.O_RDONLY)
                descriptor = self._descriptors[shard]
        return os.pread(descriptor, int(self._length[index]), int(self._offset[index]))

    def examples(self, indices: tf.data.Dataset, *, read_batch: int = 64) -> tf.data.Dataset:
        """The decoded examples at `indices` (a dataset of int64 scalars), in that order.

        Records are read `read_batch` at a time (one Python call each, which holds the GIL) and
        parsed one by one in parallel TensorFlow ops.
        """
        import tensorflow as tf

        def read(batch):
            return np.array([self.serialized(index) for index in batch], dtype=object)

        def records(batch):
            return tf.ensure_shape(tf.numpy_function(read, [batch], tf.string, stateful=False), [None])

        serialized = indices.batch(read_batch).map(records, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return serialized.unbatch().map(
            self.features.deserialize_example, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )

    def columns(self, *names: str) -> dict[str, np.ndarray]:
        """Features `names` of every example, in order, read in one pass that decodes nothing else
        (images stay encoded): e.g. VIGOR's tile indices for its batch sampler."""
        import tensorflow as tf
        import tensorflow_datasets as tfds

        skip = {name: tfds.decode.SkipDecoding() for name in self.features.keys() if name not in names}
        examples = self._builder.as_dataset(split=self._split, shuffle_files=False, decoders=skip)
        chunks = examples.map(lambda example: {name: example[name] for name in names}).batch(4096)
        parts = list(tfds.as_numpy(chunks.prefetch(tf.data.AUTOTUNE)))
        return {name: np.concatenate([part[name] for part in parts]) if parts else np.zeros(0) for name in names}

    def close(self) -> None:
        for descriptor in self._descriptors.values():
            os.close(descriptor)
        self._descriptors.clear()

    def __del__(self):
        self.close()
