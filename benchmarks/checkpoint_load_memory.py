"""Memory and time to load a full CVM-Net-I training checkpoint (~1.9 GB with Adam slots).

Compares `cvgeo.checkpoints.load` (reads the 60 model tensors one by one into the Keras model) with
the original approach (the TF1 training graph with Adam built via tf.compat.v1, then
`Saver(tf.global_variables()).restore`). Each side runs in a fresh process; memory is the peak
resident set growth during the load (Linux /proc, peak reset just before loading).

    python benchmarks/checkpoint_load_memory.py [--workdir=DIR]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import app, flags

flags.DEFINE_string("workdir", None, "where to write the ~1.9 GB checkpoint (default: a temp folder)")
flags.DEFINE_string("side", None, "internal: run one side ('cvgeo' or 'original') on --prefix")
flags.DEFINE_string("prefix", None, "internal: checkpoint prefix")

MODEL_ARGS = {}  # native CVM-Net-I


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # resets VmHWM to the current RSS


def _original_graph():
    """The CVM-Net-I training graph's variables (names/shapes from cvgeo's name map) + Adam in 'train'."""
    import tensorflow as tf

    from cvgeo.checkpoints.loader import tf1_variable_names
    from cvgeo.models import build

    model = build("cvm_net_i", **MODEL_ARGS)
    specs = [(name, tuple(v.shape), v.trainable) for name, v in tf1_variable_names(model).items()]
    del model
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for name, shape, trainable in specs:
            scope, leaf = name.rsplit("/", 1)
            with v1.variable_scope(scope):
                variables.append(v1.get_variable(leaf, shape, tf.float32, v1.zeros_initializer(), trainable=trainable))
        v1.Variable(0)
        loss = tf.add_n([tf.reduce_sum(v) for v in variables if v in v1.trainable_variables()])
        with tf.name_scope("train"):
            v1.train.AdamOptimizer(1e-5).minimize(loss)
        saver = v1.train.Saver(v1.global_variables())
    return graph, saver


def write_checkpoint(prefix: str) -> None:
    import tensorflow as tf

    graph, saver = _original_graph()
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        saver.save(session, prefix, write_meta_graph=False)


def run_side(side: str, prefix: str) -> dict:
    import tensorflow as tf

    if side == "cvgeo":
        from cvgeo.checkpoints import load
        from cvgeo.models import build

        model = build("cvm_net_i", **MODEL_ARGS)
        before = _rss_kib("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        load(model, prefix)
    else:
        graph, saver = _original_graph()
        session = tf.compat.v1.Session(graph=graph)
        before = _rss_kib("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        with graph.as_default():
            saver.restore(session, prefix)
    seconds = time.perf_counter() - start
    return {"side": side, "seconds": seconds, "peak_growth_mib": (_rss_kib("VmHWM") - before) / 1024}


def main(argv):
    del argv
    values = flags.FLAGS
    if values.side:
        print(json.dumps(run_side(values.side, values.prefix)))
        return
    workdir = values.workdir or tempfile.mkdtemp(prefix="cvgeo-bench-")
    prefix = os.path.join(workdir, "model.ckpt")
    if not os.path.exists(prefix + ".index"):
        write_checkpoint(prefix)
    size = sum(os.path.getsize(os.path.join(workdir, f)) for f in os.listdir(workdir) if f.startswith("model.ckpt"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    results = []
    for side in ("cvgeo", "original"):
        out = subprocess.run(
            [sys.executable, __file__, f"--side={side}", f"--prefix={prefix}"], capture_output=True, text=True, env=env
        )
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    model_mib = 163_782_400 * 4 / 2**20
    print(f"checkpoint files: {size / 2**20:.0f} MiB; model weights: {model_mib:.0f} MiB")
    for result in results:
        print(f"{result['side']:>8}: load {result['seconds']:.1f} s, peak RSS growth {result['peak_growth_mib']:.0f} MiB")
    cvgeo, original = results
    print(f"ratio original/cvgeo: memory {original['peak_growth_mib'] / cvgeo['peak_growth_mib']:.2f}x, "
          f"time {original['seconds'] / cvgeo['seconds']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    app.run(main)
