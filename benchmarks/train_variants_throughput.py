"""Train throughput of one task under the loop's variants: default, mirrored, bf16, XLA (same run).

Each variant is the trainer's own step (`make_task(config, strategy).train_step`, built as `train`
builds it) on seeded random batches, in its own process (a CPU split and a dtype policy are
process-wide). Rounds alternate the variants, rotating which goes first, so they see the same
machine load; each round starts a fresh process, warms up (tracing, XLA compilation) and times
`--steps` steps, each fetching its loss as the loop does.

    PYTHONPATH=. python benchmarks/train_variants_throughput.py --model=cvm_net_i --steps=5 --rounds=3

Variants: `default` (one device, float32), `mirrored` (`--strategy=mirrored --cpu_devices=2`: two
replicas of batch/2 on the same cores), `bf16` (`--mixed_precision=bf16`), `xla` (`--jit_compile`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
VARIANTS = {
    "default": {},
    "mirrored": {"strategy": "mirrored", "cpu_devices": 2},
    "bf16": {"mixed_precision": "bf16"},
    "xla": {"jit_compile": True},
}
flags.DEFINE_string("model", "cvm_net_i", "Registered model with RGB inputs, trained with its small recipe's task.")
flags.DEFINE_list("variants", list(VARIANTS), "Variants to time.")
flags.DEFINE_integer("batch_size", 12, "Global batch (pairs per step).")
flags.DEFINE_integer("steps", 5, "Timed steps per round and variant.")
flags.DEFINE_integer("warmup", 2, "Untimed steps per process before timing.")
flags.DEFINE_integer("rounds", 3, "Alternating rounds (one fresh process per variant per round).")
flags.DEFINE_string("run_variant", None, "Internal: time this variant in this process and print JSON.")


def _time_variant(name: str) -> dict:
    import numpy as np
    import tensorflow as tf

    from cvgeo.training.distribution import distribute_batches, make_strategy
    from cvgeo.training.recipes import RECIPES
    from cvgeo.training.tasks import make_task
    from cvgeo.training.trainer import _build_in_precision

    config = RECIPES[f"{FLAGS.model}_small"].replace(batch_size=FLAGS.batch_size, seed=0, **VARIANTS[name])
    strategy = make_strategy(config.strategy, config.cpu_devices)
    task = make_task(config, strategy)
    with strategy.scope():
        _build_in_precision(task, config.mixed_precision)
    options = task.input_options()
    rng = np.random.default_rng(0)
    batches = [
        {
            "query": rng.integers(0, 256, (config.batch_size, *options.query_shape, 3)).astype(np.float32),
            "reference": rng.integers(0, 256, (config.batch_size, *options.reference_shape, 3)).astype(np.float32),
        }
        for _ in range(3)
    ]
    dataset = distribute_batches(strategy, tf.data.Dataset.from_tensor_slices(
        {key: np.stack([batch[key] for batch in batches]) for key in batches[0]}
    ).repeat())
    iterator = iter(dataset)

    def step() -> float:
        result = task.train_step(next(iterator))
        losses = result.losses if hasattr(result, "losses") else result
        return float(losses["loss"] if isinstance(losses, dict) else losses)

    for _ in range(FLAGS.warmup):
        step()
    start = time.perf_counter()
    for _ in range(FLAGS.steps):
        step()
    seconds = time.perf_counter() - start
    return {"variant": name, "pairs_per_second": FLAGS.steps * config.batch_size / seconds, "load": os.getloadavg()[0]}


def main(argv) -> None:
    del argv
    if FLAGS.run_variant:
        print(json.dumps(_time_variant(FLAGS.run_variant)))
        return
    unknown = sorted(set(FLAGS.variants) - set(VARIANTS))
    if unknown:
        raise SystemExit(f"--variants: unknown {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    print(f"{FLAGS.model}_small, batch {FLAGS.batch_size}, {os.cpu_count()} CPUs, load at start {os.getloadavg()}")
    rates = {name: [] for name in FLAGS.variants}
    for round_index in range(FLAGS.rounds):
        shift = round_index % len(FLAGS.variants)
        for name in FLAGS.variants[shift:] + FLAGS.variants[:shift]:
            output = subprocess.run(
                [sys.executable, __file__, f"--run_variant={name}", f"--model={FLAGS.model}",
                 f"--batch_size={FLAGS.batch_size}", f"--steps={FLAGS.steps}", f"--warmup={FLAGS.warmup}"],
                capture_output=True, text=True, check=False,
            )
            if output.returncode:
                raise SystemExit(f"variant {name} failed:\n{output.stderr[-3000:]}")
            result = json.loads(output.stdout.strip().splitlines()[-1])
            rates[name].append(result["pairs_per_second"])
            print(f"  round {round_index + 1} {name:>9}: {result['pairs_per_second']:7.2f} pairs/s (load {result['load']:.2f})", flush=True)
    baseline = sum(rates["default"]) / len(rates["default"]) if "default" in rates else None
    print(f"\n{'variant':<10}{'pairs/s (mean of rounds)':>26}{'vs default':>12}")
    for name, values in rates.items():
        mean = sum(values) / len(values)
        ratio = f"{mean / baseline:.2f}" if baseline else "-"
        print(f"{name:<10}{mean:>26.2f}{ratio:>12}")
    print(f"load at end {os.getloadavg()}")


if __name__ == "__main__":
    app.run(main)
