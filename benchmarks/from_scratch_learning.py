"""How fast a network learns from scratch on the synthetic dataset, under different options.

Trains with the trainer's compiled step and FusedAdam on pairs held in memory (no checkpoints, so
only learning is measured) and prints the mean loss, test recall and wall time every `--eval_every`
steps. Used to choose the `demo` recipe; every run is seeded (weights and batch order).

    PYTHONPATH=. python benchmarks/from_scratch_learning.py --steps=400 --eval_every=50 \
        --query_shape=16,64 --reference_shape=32,32 --options='{"zero_centres": true, "fc_bias_init": 0}'
    PYTHONPATH=. python benchmarks/from_scratch_learning.py --model=safa --query_shape=32,128 \
        --reference_shape=32,128 --options='{"batch_norm": true, "vgg_width": 0.25, "dropout_rate": 0}'
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np
import tensorflow as tf

from cvgeo.data import load_split
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.evaluation import recall_at_k, top_percent_k
from cvgeo.losses import soft_margin_triplet_loss
from cvgeo.models import build, model_spec
from cvgeo.training import FusedAdam
from cvgeo.training.train_step import make_train_step


def _shape(text: str) -> tuple[int, int]:
    height, width = (int(v) for v in text.split(","))
    return height, width


def load_pairs(dataset: str, split: str, options: PairInputOptions) -> tuple[np.ndarray, np.ndarray]:
    """All (query, reference) inputs of a split at the model's sizes, as float32 arrays."""
    batches = pair_pipeline(load_split(dataset, split), options, batch_size=256, training=False)
    queries, references = zip(*((b["query"].numpy(), b["reference"].numpy()) for b in batches))
    return np.concatenate(queries), np.concatenate(references)


def recall(model: keras.Model, queries: np.ndarray, references: np.ndarray) -> tuple[float, float, float]:
    """R@1, R@1% and R@10 (percent) of row-paired queries and references."""
    similarity = model.embed_query(queries) @ model.embed_reference(references).T
    ranks = (similarity > np.diag(similarity)[:, None]).sum(axis=1)
    return tuple(recall_at_k(ranks, k) for k in (1, top_percent_k(len(references)), 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="cvm_net_i")
    parser.add_argument("--options", type=json.loads, default={},
                        help="builder options as JSON; cvm_net_i gets batch norm, all convs, no dropout unless given")
    parser.add_argument("--dataset", default="synthetic_crossview")
    parser.add_argument("--query_shape", type=_shape, default=(16, 64))
    parser.add_argument("--reference_shape", type=_shape, default=(32, 32))
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=3e-4)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--eval_every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    defaults = {"batch_norm": True, "frozen_blocks": (), "dropout_rate": 0.0} if args.model == "cvm_net_i" else {}
    model = build(args.model, query_shape=args.query_shape, reference_shape=args.reference_shape,
                  **{**defaults, **args.options})
    options = PairInputOptions(args.query_shape, args.reference_shape, model_spec(args.model).reference_feature)
    train_q, train_r = load_pairs(args.dataset, "train", options)
    test_q, test_r = load_pairs(args.dataset, "test", options)
    step = make_train_step(
        model, FusedAdam(args.learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
        lambda q, r, batch: soft_margin_triplet_loss(q, r, alpha=10.0),
    )
    print(f"{vars(args)}\nchance: R@1 {100 / len(test_r):.2f} %, R@1% {100 * top_percent_k(len(test_r)) / len(test_r):.2f} %")
    rng = np.random.default_rng(args.seed)
    order, position, losses, started = rng.permutation(len(train_q)), 0, [], time.perf_counter()
    for index in range(1, args.steps + 1):
        if position + args.batch_size > len(order):
            order, position = rng.permutation(len(train_q)), 0
        rows = order[position:position + args.batch_size]
        position += args.batch_size
        losses.append(float(step({"query": tf.constant(train_q[rows]), "reference": tf.constant(train_r[rows])}).losses))
        if index % args.eval_every == 0 or index == args.steps:
            r1, r1p, r10 = recall(model, test_q, test_r)
            print(f"step {index:4d}  loss {np.mean(losses[-args.eval_every:]):.4f}  test R@1 {r1:5.2f}  "
                  f"R@1% {r1p:5.2f}  R@10 {r10:5.2f}  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
