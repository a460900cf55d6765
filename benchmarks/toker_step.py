"""Toker et al.'s training step (generator, discriminator and retrieval network, three Adams) and synthesis.

The trainer's own step: `make_task(config)` built under the default strategy with the run's seed, as
`cvgeo.training.trainer.train` builds it, from the `toker_small` recipe (24x96, batch 16) or the
`toker` recipe (112x616; batch 8 here, the original's 32 needs more memory than this machine has).
Seeded random batches (three, cycled); every step fetches its losses (a host sync, as the trainer's
loop does). One size per process, so the peak resident memory (`getrusage`) printed at the end is
that size's. At the native size it also times `model.synthesize` (polar -> street view).

The original is PyTorch (aysim/comingdowntoearth `utils/rgan_wrapper.py`); it is timed only if
`torch` is importable, which it is not on the machine of BENCHMARKS.md, so no original row there.

    PYTHONPATH=. python benchmarks/toker_step.py --size=small --steps=5 --warmup=2
    PYTHONPATH=. python benchmarks/toker_step.py --size=native --batch_size=8 --steps=2 --warmup=1
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from cvgeo.training import distribution  # noqa: E402
from cvgeo.training.recipes import RECIPES  # noqa: E402
from cvgeo.training.tasks import make_task  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_enum("size", "small", ["small", "native"], "small: toker_small (24x96); native: toker (112x616).")
flags.DEFINE_integer("batch_size", None, "Pairs per step (default: the recipe's, 16 small / 32 native).")
flags.DEFINE_integer("steps", 5, "Timed train steps.")
flags.DEFINE_integer("warmup", 2, "Untimed train steps first (tracing, allocation).")
flags.DEFINE_integer("synthesis_images", 16, "Polar images synthesised per timed round (native size only).")
flags.DEFINE_integer("synthesis_batch", 8, "Images per synthesis forward pass.")
flags.DEFINE_integer("seed", 0, "Seed of the weights and inputs.")


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv) -> None:
    del argv
    recipe = RECIPES["toker_small" if FLAGS.size == "small" else "toker"]
    config = dataclasses.replace(
        recipe, batch_size=FLAGS.batch_size or recipe.batch_size, seed=FLAGS.seed,
        task_options={**recipe.task_options, "summary_images": 0},
    )
    shape = tuple(config.model_options["query_shape"])
    batch = config.batch_size
    print(f"toker {FLAGS.size}: {shape[0]}x{shape[1]}, batch {batch}, TF {tf.__version__}, "
          f"{os.cpu_count()} CPUs, load at start {_load()}", flush=True)

    strategy = distribution.make_strategy(config.strategy, config.cpu_devices)
    task = make_task(config, strategy)
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        task.build()
    task.start_epoch(0)
    rng = np.random.default_rng(FLAGS.seed)
    batches = [
        {key: tf.constant(rng.integers(0, 256, (batch, *shape, 3)).astype(np.float32)) for key in ("query", "reference")}
        for _ in range(3)
    ]

    def step(index: int) -> float:
        return float(task.train_step(batches[index % len(batches)])["loss"])

    start = time.perf_counter()
    step(0)
    print(f"first step (tracing included): {time.perf_counter() - start:.1f} s, load {_load()}", flush=True)
    for index in range(1, FLAGS.warmup):
        step(index)
    start = time.perf_counter()
    for index in range(FLAGS.steps):
        step(index)
    seconds = (time.perf_counter() - start) / FLAGS.steps
    print(f"train step: {seconds:.2f} s/step, {batch / seconds:.2f} pairs/s over {FLAGS.steps} steps, "
          f"load {_load()}", flush=True)

    if FLAGS.size == "native":
        images = rng.integers(0, 256, (FLAGS.synthesis_images, *shape, 3)).astype(np.float32)
        task.model.synthesize(images[: FLAGS.synthesis_batch], batch_size=FLAGS.synthesis_batch)  # tracing
        start = time.perf_counter()
        task.model.synthesize(images, batch_size=FLAGS.synthesis_batch)
        elapsed = time.perf_counter() - start
        print(f"synthesize: {len(images) / elapsed:.2f} images/s ({len(images)} images, batch "
              f"{FLAGS.synthesis_batch}), load {_load()}", flush=True)

    if importlib.util.find_spec("torch") is None:
        print("original (PyTorch): torch is not importable here, not timed")
    else:
        print("original (PyTorch): torch is importable but no PyTorch port of the step is timed by this script")
    print(f"peak resident memory: {_peak_rss_gib():.2f} GiB; load at end {_load()}")


if __name__ == "__main__":
    app.run(main)
