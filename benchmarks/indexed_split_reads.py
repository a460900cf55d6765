"""Reading a prepared split in a sampler's order: cvgeo's TFRecord offset index against the stream.

VIGOR's training batches (and CrossLocate's mined ones) visit examples in an order no shuffle buffer
gives. cvgeo reads them by position (`cvgeo.data.IndexedSplit`: one `os.pread` per record, parsed by
the builder's feature spec in a parallel tf.data map); the reference is TFDS's own sequential
stream of the same split, which cannot give that order. Both decode every image. Run on the
VIGOR-style synthetic train split (2000 panoramas with their positive tiles, PNG), in VIGOR's
sampled order for the indexed read.

    PYTHONPATH=. python benchmarks/indexed_split_reads.py
"""

from __future__ import annotations

import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", "synthetic_crossview_vigor", "A VIGOR-style dataset.")
flags.DEFINE_integer("batch_size", 14, "Sampler batch size (VIGOR's).")
flags.DEFINE_integer("rounds", 2, "Timed passes of each reader (the best is reported).")


def _examples_per_second(dataset) -> tuple[float, int]:
    import tensorflow as tf

    started, count = time.perf_counter(), 0
    for _ in dataset.prefetch(tf.data.AUTOTUNE):
        count += 1
    return count / (time.perf_counter() - started), count


def main(argv) -> None:
    del argv
    import tensorflow as tf

    from cvgeo.data import load_indexed_split, load_split
    from cvgeo.training.vigor_batches import VigorEpochs

    stream = load_split(FLAGS.dataset, "train")
    started = time.perf_counter()
    split = load_indexed_split(FLAGS.dataset, "train")
    indexing = time.perf_counter() - started
    started = time.perf_counter()
    epochs = VigorEpochs(split)
    labels = time.perf_counter() - started
    order = epochs.order(0, FLAGS.batch_size)
    print(f"{FLAGS.dataset} train: {len(split)} examples; index of the record offsets {indexing:.3f} s, "
          f"tile indices (one pass, images not decoded) {labels:.2f} s, sampled epoch of {len(order)} examples")
    indexed = split.examples(tf.data.Dataset.from_tensor_slices(order))
    for name, dataset in (("TFDS stream (file order)", stream), ("indexed, VIGOR's sampled order", indexed)):
        best = max(_examples_per_second(dataset)[0] for _ in range(FLAGS.rounds))
        print(f"{name:34s} {best:8.1f} examples/s (decoded)")


if __name__ == "__main__":
    app.run(main)
