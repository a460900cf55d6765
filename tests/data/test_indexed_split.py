"""Random access to prepared splits: the same examples as TFDS streams, in any order."""

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_builders  # noqa: F401  (registers the builders)
from cvgeo.data.indexed_split import IndexedSplit, IndexedSplitError, record_offsets


@pytest.fixture(scope="module")
def tiny_builder(tmp_path_factory):
    """synthetic_crossview/tiny in 3 shards, so that indices cross shard boundaries."""
    builder = tfds.builder("synthetic_crossview/tiny", data_dir=str(tmp_path_factory.mktemp("tfds")))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(num_shards=3))
    return builder


def test_record_offsets_follow_the_tfrecord_framing(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    records = [b"", b"a", b"hello world" * 50, b"\x00\xff" * 3]
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    offsets, lengths = record_offsets(path)
    with open(path, "rb") as file:
        data = file.read()
    assert [data[o:o + n] for o, n in zip(offsets, lengths)] == records


def test_examples_in_any_order_equal_the_streamed_ones(tiny_builder):
    split = IndexedSplit(tiny_builder, "train")
    assert len(tiny_builder.info.splits["train"].filenames) > 1
    streamed = list(tfds.as_numpy(tiny_builder.as_dataset(split="train", shuffle_files=False)))
    assert len(split) == len(streamed) == 6
    order = [5, 0, 3, 3, 1, 4, 2]
    read = list(tfds.as_numpy(split.examples(tf.data.Dataset.from_tensor_slices(np.array(order, np.int64)))))
    for index, example in zip(order, read):
        assert example.keys() == streamed[index].keys()
        for key in example:
            np.testing.assert_array_equal(example[key], streamed[index][key], err_msg=key)
    with pytest.raises(IndexError):
        split.serialized(6)
    columns = split.columns("id", "xy")
    np.testing.assert_array_equal(columns["xy"], [example["xy"] for example in streamed])
    assert columns["id"].tolist() == [example["id"] for example in streamed]


def test_a_truncated_shard_is_a_clear_error(tiny_builder, tmp_path):
    shard = os.path.join(tiny_builder.data_dir, tiny_builder.info.splits["test"].filenames[0])
    copy = tmp_path / "truncated"
    with open(shard, "rb") as file:
        copy.write_bytes(file.read()[:-7])
    with pytest.raises(IndexedSplitError, match="runs past the end"):
        record_offsets(str(copy))
