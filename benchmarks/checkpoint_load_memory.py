"""Memory and time to load a full CVM-Net-I training checkpoint (~1.9 GB with Adam slots).

Compares `cvgeo.checkpoints.load` (reads the 60 model tensors one by one into the Keras model) with
the original approach (the TF1 training graph with Adam built via tf.compat.v1, then
`Saver(tf.global_variables()).restore`). Each side runs in a fresh process; memory is the growth of
the resident set during the load, its peak (sampled every 5 ms from /proc) and what stays after.

    python benchmarks/checkpoint_load_memory.py [--workdir=DIR]
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
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


class _PeakSampler:
    """Samples VmRSS in a thread; `peak` is the largest value seen while running."""

    def __enter__(self):
        self.peak = _rss_kib("VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_kib("VmRSS"))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_kib("VmRSS"))
        return False


def variable_specs() -> list[tuple[str, list[int], bool]]:
    """(TF1 name, shape, trainable) of CVM-Net-I's variables, from cvgeo's name map."""
    from cvgeo.checkpoints.loader import tf1_variable_names
    from cvgeo.models import build

    model = build("cvm_net_i", **MODEL_ARGS)
    return [(name, list(v.shape), bool(v.trainable)) for name, v in tf1_variable_names(model).items()]


def _original_graph(specs):
    """The CVM-Net-I training graph as the original builds it: variables, global step, Adam in 'train'."""
    import tensorflow as tf

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


def write_checkpoint(prefix: str, specs) -> None:
    import tensorflow as tf

    graph, saver = _original_graph(specs)
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
        with _PeakSampler() as sampler:
            start = time.perf_counter()
            load(model, prefix)
            seconds = time.perf_counter() - start
    else:
        with open(prefix + ".specs.json") as handle:
            graph, saver = _original_graph(json.load(handle))
        session = tf.compat.v1.Session(graph=graph)
        before = _rss_kib("VmRSS")
        with _PeakSampler() as sampler:
            start = time.perf_counter()
            with graph.as_default():
                saver.restore(session, prefix)
            seconds = time.perf_counter() - start
    return {
        "side": side,
        "seconds": seconds,
        "peak_growth_mib": (sampler.peak - before) / 1024,
        "kept_growth_mib": (_rss_kib("VmRSS") - before) / 1024,
    }


def main(argv):
    del argv
    values = flags.FLAGS
    if values.side:
        print(json.dumps(run_side(values.side, values.prefix)))
        return
    workdir = values.workdir or tempfile.mkdtemp(prefix="cvgeo-bench-")
    prefix = os.path.join(workdir, "model.ckpt")
    specs = variable_specs()
    with open(prefix + ".specs.json", "w") as handle:
        json.dump(specs, handle)
    if not os.path.exists(prefix + ".index"):
        write_checkpoint(prefix, specs)
    size = os.path.getsize(prefix + ".index") + os.path.getsize(prefix + ".data-00000-of-00001")
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
        print(
            f"{result['side']:>8}: load {result['seconds']:.1f} s, RSS growth peak {result['peak_growth_mib']:.0f} MiB, "
            f"kept {result['kept_growth_mib']:.0f} MiB"
        )
    cvgeo, original = results
    print(f"ratio original/cvgeo: memory {original['peak_growth_mib'] / cvgeo['peak_growth_mib']:.2f}x, "
          f"time {original['seconds'] / cvgeo['seconds']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    app.run(main)
