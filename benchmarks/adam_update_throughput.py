"""The optimizer update alone: Keras 3 Adam vs TF1 `AdamOptimizer` vs a fused TF2 Adam kernel.

CVM-Net-I trains ~150 M parameters, 134 M of them in the shared FC (32768 x 4096), so at small image
sizes the Adam update is a large share of a train step (see `train_throughput.py`). Keras 3's Adam
writes the update as ~10 separate element-wise ops, each streaming whole-tensor temporaries through
memory; TF1's `AdamOptimizer` calls one fused `ApplyAdam` kernel per variable. This script applies
fixed gradients to variables shaped like the model's trainable ones and reports parameters updated
per second for:
  keras:    `keras.optimizers.Adam.apply_gradients` in a `tf.function` (what cvgeo's train step runs);
  original: `tf.compat.v1.train.AdamOptimizer.apply_gradients` on reference variables, `sess.run`;
  fused:    `tf.raw_ops.ResourceApplyAdam` per variable in a `tf.function` (the same kernel family as
            the original, from TF2 code), to show what a fused update would give cvgeo.
Timings alternate between the three in `--rounds` rounds.

    PYTHONPATH=. python benchmarks/adam_update_throughput.py --model=cvm_net_i --steps=5 --rounds=3
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from cvgeo.models import build  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_enum("model", "cvm_net_i", ["cvm_net_i", "cvm_net_ii"], "Whose trainable variables to update.")
flags.DEFINE_integer("steps", 5, "Timed updates per round and approach.")
flags.DEFINE_integer("rounds", 3, "Alternating timing rounds.")
flags.DEFINE_float("learning_rate", 1e-5, "Adam learning rate (the original's 1e-5).")


def main(argv) -> None:
    del argv
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(0)
    # Variable shapes do not depend on the image size; a small build keeps memory down.
    model = build(FLAGS.model, query_shape=(32, 128), reference_shape=(64, 64))
    variables = model.trainable_variables
    shapes = [tuple(v.shape) for v in variables]
    count = sum(int(np.prod(s)) for s in shapes)
    print(f"{FLAGS.model}: {len(shapes)} trainable variables, {count:,} parameters; "
          f"load average at start {os.getloadavg()}", flush=True)
    gradients = [tf.random.normal(s, stddev=1e-3, seed=i) for i, s in enumerate(shapes)]
    lr = FLAGS.learning_rate

    keras_adam = keras.optimizers.Adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    keras_adam.build(variables)

    @tf.function
    def keras_update():
        keras_adam.apply_gradients(zip(gradients, variables))

    fused_variables = [tf.Variable(tf.zeros(s)) for s in shapes]
    moments = [(tf.Variable(tf.zeros(s)), tf.Variable(tf.zeros(s))) for s in shapes]
    fused_step = tf.Variable(0.0)

    @tf.function
    def fused_update():
        fused_step.assign_add(1.0)
        beta1_power, beta2_power = tf.pow(0.9, fused_step), tf.pow(0.999, fused_step)
        for variable, (m, v), gradient in zip(fused_variables, moments, gradients):
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle, m=m.handle, v=v.handle, beta1_power=beta1_power, beta2_power=beta2_power,
                lr=lr, beta1=0.9, beta2=0.999, epsilon=1e-8, grad=gradient,
            )

    graph = tf.Graph()
    with graph.as_default():
        v1_variables = [tf.compat.v1.Variable(tf.zeros(s), use_resource=False) for s in shapes]
        v1_gradients = [
            tf.compat.v1.Variable(tf.random.normal(s, stddev=1e-3), trainable=False, use_resource=False)
            for s in shapes
        ]
        with tf.name_scope("train"):
            v1_update = tf.compat.v1.train.AdamOptimizer(lr, 0.9, 0.999).apply_gradients(
                zip([g.value() for g in v1_gradients], v1_variables)
            )
        init = tf.compat.v1.global_variables_initializer()
    session = tf.compat.v1.Session(graph=graph)
    session.run(init)

    approaches = {
        "keras": lambda: (keras_update(), keras_adam.iterations.numpy()),
        "original": lambda: session.run(v1_update),
        "fused": lambda: (fused_update(), fused_step.numpy()),
    }
    for function in approaches.values():  # tracing and allocation
        function()
    seconds = dict.fromkeys(approaches, 0.0)
    names = list(approaches)
    for round_index in range(FLAGS.rounds):
        for name in names[round_index % len(names):] + names[: round_index % len(names)]:
            start = time.perf_counter()
            for _ in range(FLAGS.steps):
                approaches[name]()
            elapsed = time.perf_counter() - start
            seconds[name] += elapsed
            print(f"  round {round_index + 1} {name:>8}: {elapsed / FLAGS.steps * 1e3:8.1f} ms/update "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    per_update = {name: seconds[name] / (FLAGS.steps * FLAGS.rounds) for name in names}
    print(f"\nload average at end {os.getloadavg()}")
    print(f"{'approach':<10}{'ms/update':>10}{'Mparams/s':>11}{'vs original':>13}")
    for name in names:
        print(f"{name:<10}{per_update[name] * 1e3:>10.1f}{count / per_update[name] / 1e6:>11.1f}"
              f"{per_update['original'] / per_update[name]:>13.2f}")


if __name__ == "__main__":
    app.run(main)
