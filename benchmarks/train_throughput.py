"""Train-step and descriptor-extraction throughput: cvgeo vs the original TF1 approach, same run.

cvgeo: `cvgeo.models.build(...)` trained with `make_train_step` (a `tf.function`) and the trainer's
`FusedAdam` 1e-5, soft-margin triplet loss, alpha 10; extraction with `model.embed_query` / `embed_reference`.
Original: the same network, loss and `AdamOptimizer` as a TF1 graph (`tf1_cvm_net_graph.py`),
numpy batches preprocessed in numpy (RGB -> BGR minus means, as `input_data.py`) and fed through
`feed_dict` to `sess.run` every step, as the authors' `train.py` does; extraction with `sess.run`
of one branch's descriptor at keep_prob 1.

With --keras_adam_row, cvgeo's same step is also timed with plain `keras.optimizers.Adam`, whose
unfused element-wise update is ~3x slower than the fused kernel (see `adam_update_throughput.py`).

Both start from the same weights (cvgeo's, copied into the TF1 variables) and the script first
checks that they compute the same descriptors. Timings then alternate between the two in
`--rounds` rounds, rotating which goes first, so both see the same machine load; every step
fetches the loss (a host sync, as both training loops do). Inputs are seeded random images.

    PYTHONPATH=. python benchmarks/train_throughput.py --query_height=32 --query_width=128 \\
        --reference_height=64 --reference_width=64 --steps=5 --warmup=2 --rounds=3
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from cvgeo.losses import soft_margin_triplet_loss  # noqa: E402
from cvgeo.models import build  # noqa: E402
from cvgeo.training.fused_adam import FusedAdam  # noqa: E402
from cvgeo.training.train_step import make_train_step  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf1_cvm_net_graph  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_enum("model", "cvm_net_i", ["cvm_net_i", "cvm_net_ii"], "Network to benchmark.")
flags.DEFINE_integer("query_height", 32, "Ground image height.")
flags.DEFINE_integer("query_width", 128, "Ground image width.")
flags.DEFINE_integer("reference_height", 64, "Aerial image height.")
flags.DEFINE_integer("reference_width", 64, "Aerial image width.")
flags.DEFINE_integer("batch_size", 12, "Pairs per train step (the original's 12).")
flags.DEFINE_integer("steps", 5, "Timed train steps per round and approach.")
flags.DEFINE_integer("warmup", 2, "Untimed train steps per approach before timing (tracing, allocation).")
flags.DEFINE_integer("rounds", 3, "Alternating timing rounds.")
flags.DEFINE_integer("embed_batches", 4, "Batches of --embed_batch_size images per extraction round.")
flags.DEFINE_integer("embed_batch_size", 12, "Images per forward pass in extraction (the original tests in 12s).")
flags.DEFINE_float("parity_tolerance", 1e-4, "Largest allowed descriptor difference between the two.")
flags.DEFINE_integer("seed", 0, "Seed of weights and inputs.")
flags.DEFINE_bool("keras_adam_row", False, "Also time cvgeo's train step with plain Keras Adam "
                  "(+2 copies of the weights).")


def _copy_weights_to_tf1(model: keras.Model, graph: tf1_cvm_net_graph.Tf1TrainingGraph, session) -> int:
    """Loads every TF1 model variable from the cvgeo weight it corresponds to; returns the count."""
    layers = {layer.name: layer for layer in model.layers}
    variables = [v for v in graph.graph.get_collection("variables") if not _is_optimizer_state(v.name)]
    for variable in variables:
        layer_name, attribute = tf1_cvm_net_graph.keras_weight_for(variable.name)
        value = np.asarray(getattr(layers[layer_name], attribute))  # read eagerly, outside the graph
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"{variable.name}: TF1 shape {variable.shape} vs cvgeo {value.shape}")
        with graph.graph.as_default():
            feed = tf.compat.v1.placeholder(tf.float32, value.shape)
            assign = tf.compat.v1.assign(variable, feed)
        session.run(assign, {feed: value})
    return len(variables)


def _is_optimizer_state(name: str) -> bool:
    return name.startswith(("train/", "Variable")) or "/Adam" in name


def _timed(function, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return time.perf_counter() - start


def _alternate(label: str, approaches: dict, units_per_call: int, calls: int) -> dict[str, float]:
    """Times each approach `calls` times per round, rotating the order; prints and returns units/s."""
    seconds = {name: 0.0 for name in approaches}
    names = list(approaches)
    for round_index in range(FLAGS.rounds):
        order = names[round_index % len(names):] + names[: round_index % len(names)]
        for name in order:
            elapsed = _timed(approaches[name], calls)
            seconds[name] += elapsed
            print(f"  {label} round {round_index + 1} {name:>16}: {units_per_call * calls / elapsed:8.2f}/s "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    return {name: units_per_call * calls * FLAGS.rounds / seconds[name] for name in names}


def main(argv) -> None:
    del argv
    tf.get_logger().setLevel("ERROR")  # the TF1 graph's deprecation notices
    query_shape = (FLAGS.query_height, FLAGS.query_width)
    reference_shape = (FLAGS.reference_height, FLAGS.reference_width)
    batch = FLAGS.batch_size
    print(f"{FLAGS.model}: query {query_shape}, reference {reference_shape}, batch {batch}, "
          f"TF {tf.__version__}, devices {[d.device_type for d in tf.config.list_physical_devices()]}, "
          f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()}", flush=True)

    keras.utils.set_random_seed(FLAGS.seed)
    rng = np.random.default_rng(FLAGS.seed)
    # A few distinct batches, cycled, so neither side can reuse a cached input.
    queries = rng.integers(0, 256, (3, batch, *query_shape, 3)).astype(np.float32)
    references = rng.integers(0, 256, (3, batch, *reference_shape, 3)).astype(np.float32)

    model = build(FLAGS.model, query_shape=query_shape, reference_shape=reference_shape)
    optimizer = FusedAdam(1e-5, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    train_step = make_train_step(model, optimizer, lambda q, r, _: soft_margin_triplet_loss(q, r, alpha=10.0))

    graph = tf1_cvm_net_graph.build_training_graph(FLAGS.model, query_shape, reference_shape, batch, FLAGS.seed)
    session = tf.compat.v1.Session(graph=graph.graph)
    session.run(graph.init_op)
    copied = _copy_weights_to_tf1(model, graph, session)

    # Same network: descriptors at inference (no dropout) must agree before anything is timed.
    cvgeo_query = model.embed_query(queries[0])
    cvgeo_reference = model.embed_reference(references[0])
    tf1_query, tf1_reference = session.run(
        [graph.ground_descriptor, graph.aerial_descriptor],
        {graph.ground: tf1_cvm_net_graph.caffe_bgr(queries[0]),
         graph.aerial: tf1_cvm_net_graph.caffe_bgr(references[0]), graph.keep_prob: 1.0},
    )
    difference = max(np.abs(cvgeo_query - tf1_query).max(), np.abs(cvgeo_reference - tf1_reference).max())
    print(f"parity: {copied} TF1 variables loaded from cvgeo; max |descriptor difference| = {difference:.2e}")
    if not difference <= FLAGS.parity_tolerance:
        raise SystemExit(f"the TF1 graph and cvgeo's {FLAGS.model} disagree by {difference:.2e} "
                         f"(> --parity_tolerance={FLAGS.parity_tolerance}); timings would not be comparable")

    counter = {"cvgeo": 0, "original": 0, "keras": 0}

    def cvgeo_step(step=train_step, key="cvgeo") -> float:
        i = counter[key] = (counter[key] + 1) % len(queries)
        return float(step({"query": tf.constant(queries[i]), "reference": tf.constant(references[i])}).losses)

    def original_step() -> float:
        i = counter["original"] = (counter["original"] + 1) % len(queries)
        _, loss = session.run([graph.train_op, graph.loss], {
            graph.ground: tf1_cvm_net_graph.caffe_bgr(queries[i]),
            graph.aerial: tf1_cvm_net_graph.caffe_bgr(references[i]),
            graph.keep_prob: 0.8, graph.learning_rate: 1e-5,
        })
        return float(loss)

    first = {"cvgeo": cvgeo_step(), "original": original_step()}
    print(f"first-step losses (dropout draws differ): cvgeo {first['cvgeo']:.4f}, original {first['original']:.4f}")
    train_approaches = {"cvgeo": cvgeo_step, "original": original_step}
    if FLAGS.keras_adam_row:
        keras_step = make_train_step(
            model, keras.optimizers.Adam(1e-5, epsilon=1e-8), lambda q, r, _: soft_margin_triplet_loss(q, r, alpha=10.0)
        )
        train_approaches["cvgeo+keras_adam"] = lambda: cvgeo_step(keras_step, "keras")
        train_approaches["cvgeo+keras_adam"]()
    for _ in range(max(FLAGS.warmup - 1, 0)):
        for step in train_approaches.values():
            step()

    print("train step (pairs/s):", flush=True)
    train = _alternate("train", train_approaches, batch, FLAGS.steps)

    embed_size = FLAGS.embed_batch_size
    rows = FLAGS.embed_batches * embed_size
    embed_queries = rng.integers(0, 256, (rows, *query_shape, 3)).astype(np.float32)
    embed_references = rng.integers(0, 256, (rows, *reference_shape, 3)).astype(np.float32)

    def tf1_embed(placeholder, output, images) -> np.ndarray:
        return np.concatenate([
            session.run(output, {placeholder: tf1_cvm_net_graph.caffe_bgr(images[s : s + embed_size]),
                                 graph.keep_prob: 1.0})
            for s in range(0, len(images), embed_size)
        ])

    extraction = {}
    for branch, images, embed, placeholder, output in (
        ("reference", embed_references, model.embed_reference, graph.aerial, graph.aerial_descriptor),
        ("query", embed_queries, model.embed_query, graph.ground, graph.ground_descriptor),
    ):
        approaches = {
            "cvgeo": lambda embed=embed, images=images: embed(images, batch_size=embed_size),
            "original": lambda p=placeholder, o=output, images=images: tf1_embed(p, o, images),
        }
        for function in approaches.values():  # warm-up: tracing and allocation
            function()
        print(f"embed_{branch} (images/s):", flush=True)
        extraction[branch] = _alternate(f"embed_{branch}", approaches, rows, 1)

    print(f"\nload average at end {os.getloadavg()}")
    print(f"{'measure':<34}{'cvgeo':>10}{'original':>10}{'ratio':>8}")
    rows_out = [("train pairs/s", train)] + [(f"embed_{b} images/s", r) for b, r in extraction.items()]
    if "cvgeo+keras_adam" in train:
        rows_out.insert(1, ("train pairs/s, cvgeo+Keras Adam", {**train, "cvgeo": train["cvgeo+keras_adam"]}))
    for label, rates in rows_out:
        print(f"{label:<34}{rates['cvgeo']:>10.2f}{rates['original']:>10.2f}{rates['cvgeo'] / rates['original']:>8.2f}")


if __name__ == "__main__":
    app.run(main)
