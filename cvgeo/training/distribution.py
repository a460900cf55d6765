"""Where a run's replicas live: the `tf.distribute` strategy of `--strategy` and logical CPU devices.

`default` trains on one device. `mirrored` keeps a copy of every variable on each local GPU (or on
each logical CPU device of `--cpu_devices` when there is no GPU) and splits every batch between
them; `multi_worker` does the same across the machines that `TF_CONFIG` lists. The batch size of a
run is always the global batch: each of R replicas gets batch_size / R pairs, and the tasks gather
descriptors across replicas so that in-batch negatives span the whole batch (`replicas.py`).
"""

import json
import os
import shutil
import tempfile

import tensorflow as tf

from cvgeo.errors import CvgeoError

STRATEGIES = ("default", "mirrored", "multi_worker")


class DistributionError(CvgeoError):
    """The requested devices or strategy cannot be set up; the message names the flag to change."""


def split_cpu(devices: int) -> None:
    """Splits the host CPU into `devices` logical devices, so that the mirrored path runs without a GPU.

    TensorFlow fixes its devices when it first runs an op; splitting after that is only possible
    if the split is already the one asked for.
    """
    if devices < 1:
        raise DistributionError(f"--cpu_devices must be at least 1, got {devices}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    except RuntimeError:
        present = len(tf.config.list_logical_devices("CPU"))
        if present != devices:
            raise DistributionError(
                f"--cpu_devices={devices}: TensorFlow has already started with {present} CPU device(s); "
                "the split must be made before it runs anything (train.py does so first)"
            ) from None


def make_strategy(name: str, cpu_devices: int | None = None) -> tf.distribute.Strategy:
    """The strategy called `name` (one of STRATEGIES), after splitting the CPU if `cpu_devices` is set."""
    if name not in STRATEGIES:
        raise DistributionError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")
    if cpu_devices is not None:
        split_cpu(cpu_devices)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        # MirroredStrategy() alone takes every GPU, or one CPU device; logical CPUs must be named.
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy([device.name for device in gpus or tf.config.list_logical_devices("CPU")])
    _check_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


def _check_tf_config() -> None:
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise DistributionError(
            "--strategy=multi_worker needs the TF_CONFIG environment variable: "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": I}} '
            "on each machine (README: Training on several GPUs or machines)"
        )
    try:
        value = json.loads(text)
        workers, task = value["cluster"]["worker"], value["task"]
        index = int(task["index"])
    except (ValueError, KeyError, TypeError) as error:
        raise DistributionError(f"TF_CONFIG is not a cluster description with a task ({error}): {text}") from None
    if task.get("type") == "worker" and not 0 <= index < len(workers):
        raise DistributionError(f"TF_CONFIG: task index {index} is not one of the {len(workers)} workers")


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except on the non-chief workers of `multi_worker`."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    if resolver.task_type == "chief":
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()


def replicas(strategy: tf.distribute.Strategy) -> int:
    return strategy.num_replicas_in_sync


def check_batch_size(strategy: tf.distribute.Strategy, batch_size: int) -> None:
    """The global batch must split evenly, so that every replica holds the same number of pairs."""
    count = replicas(strategy)
    if batch_size % count:
        raise DistributionError(
            f"--batch_size={batch_size} does not split evenly over {count} replicas; "
            f"use a multiple of {count} (the batch size is the global batch)"
        )


def check_jit_compile(strategy: tf.distribute.Strategy, jit_compile: bool) -> None:
    """XLA compiles a step for one device: with several replicas it would read the other replicas'
    variables from the wrong device (TensorFlow's XLA known issue "tf.Variable on a different device")."""
    count = replicas(strategy)
    if jit_compile and count > 1:
        raise DistributionError(
            f"--jit_compile compiles the step for one device and cannot run on {count} replicas; "
            "drop --jit_compile or use --strategy=default"
        )


def distribute_batches(strategy: tf.distribute.Strategy, batches: tf.data.Dataset) -> tf.data.Dataset:
    """`batches` (global batches) split between the replicas, in order: replica r gets the r-th slice.

    Every worker reads the whole pipeline (it is seeded, so all read the same batches) and keeps its
    slices (DATA sharding), so a global batch is the one a single device would train on.
    """
    if replicas(strategy) == 1:
        return batches
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(batches.with_options(options))


class WorkerDirectory:
    """Where a non-chief worker writes its checkpoints (every worker must save, only the chief's are
    kept): a temporary folder removed by `cleanup`. On the chief it is the run's own folder."""

    def __init__(self, strategy: tf.distribute.Strategy, directory: str):
        self.chief = is_chief(strategy)
        self.path = directory if self.chief else tempfile.mkdtemp(prefix="cvgeo-worker-")

    def cleanup(self) -> None:
        if not self.chief:
            shutil.rmtree(self.path, ignore_errors=True)
