"""Training on several replicas equals training on one device with the global batch.

Two logical CPU devices (`--strategy=mirrored --cpu_devices=2`) and two worker processes on
127.0.0.1 (`--strategy=multi_worker`, TF_CONFIG) run `tiny_train.py` for one step; the losses and
gradient norm they log and the gradients they apply must equal those of a one-device run of the same
global batch, within 1e-5 relative (the gradient taken as one vector). The soft-margin task runs on a
tiny network; Toker et al.'s three-network GAN task (slow) at its small recipe's size.
"""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.inference import run_directory
from cvgeo.models import registry
from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization
from cvgeo.training import TrainConfig, train
from cvgeo.training.distribution import DistributionError, check_batch_size, make_strategy, split_cpu
from cvgeo.training.recipes import RECIPES

HERE = os.path.dirname(os.path.abspath(__file__))
# 4 pairs: 2 per replica; the tiny split has 6 training pairs, so one step per epoch.
ONE_STEP = dict(
    model="small_net",
    dataset="synthetic_crossview/tiny",
    model_options={"query_shape": (16, 64), "reference_shape": (32, 32)},
    batch_size=4,
    learning_rate=1e-2,
    max_steps=1,
)
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _start(config: TrainConfig, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TINY_CONFIG": config.to_json(), **env}
    return subprocess.Popen(
        [sys.executable, os.path.join(HERE, "tiny_train.py")], env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(process: subprocess.Popen) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]


def _logged_losses(run_dir: str) -> dict[str, float]:
    """The train/* scalars of step 1 in the run's TensorBoard log."""
    values = {}
    folder = run_directory.log_dir(run_dir)
    for name in os.listdir(folder):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                if event.step == 1 and value.tag.startswith("train/") and "per_second" not in value.tag:
                    values[value.tag] = float(tf.make_ndarray(value.tensor))
    return values


def _gradients(run_dir: str, optimizer: str, beta_1: float) -> dict[str, np.ndarray]:
    """The gradients `optimizer` applied in the run's first step, from its checkpoint: Adam's first
    moments (its slots 2, 4, 6, ...: a momentum and a velocity per variable, after the step count and
    the rate) are (1 - beta_1) * gradient after one step."""
    prefix = tf.train.latest_checkpoint(run_directory.checkpoint_dir(run_dir))
    reader = tf.train.load_checkpoint(prefix)
    gradients = {}
    for name, _ in tf.train.list_variables(prefix):
        parts = name.split("/")
        if parts[:2] == [optimizer, "_variables"] and int(parts[2]) % 2 == 0:
            gradients[name] = reader.get_tensor(name) / (1 - beta_1)
    return gradients


def _assert_same_step(expected_dir: str, actual_dir: str, optimizers=("optimizer",), beta_1: float = 0.9) -> None:
    expected_losses, actual_losses = _logged_losses(expected_dir), _logged_losses(actual_dir)
    assert expected_losses and expected_losses.keys() == actual_losses.keys()
    for tag, value in expected_losses.items():
        assert actual_losses[tag] == pytest.approx(value, rel=TOLERANCE), tag
    for optimizer in optimizers:
        expected, actual = _gradients(expected_dir, optimizer, beta_1), _gradients(actual_dir, optimizer, beta_1)
        assert expected and expected.keys() == actual.keys(), optimizer
        # The gradient as one vector: a small tensor summed with cancellation (a bias) carries float32
        # rounding of the order of its terms, which a per-tensor relative measure would magnify.
        difference = np.sqrt(sum(np.sum((actual[name] - value) ** 2) for name, value in expected.items()))
        norm = np.sqrt(sum(np.sum(value**2) for value in expected.values()))
        assert difference <= TOLERANCE * norm, f"{optimizer}: relative difference of the gradients {difference / norm:.2e}"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for item in sockets:
            item.bind(("127.0.0.1", 0))
        return [item.getsockname()[1] for item in sockets]
    finally:
        for item in sockets:
            item.close()


def _run_two_workers(config: TrainConfig) -> None:
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = [
        _start(config, TF_CONFIG=json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}))
        for index in range(2)
    ]
    for process in processes:
        _finish(process)


@pytest.fixture(scope="module")
def one_device_run(tmp_path_factory, tfds_dir):
    """The reference: one device, the global batch (also prepares the tiny dataset for the subprocesses)."""
    from tests.training.conftest import SMALL_MODELS

    registry.MODELS["small_net"] = SMALL_MODELS["small_net"]
    try:
        config = TrainConfig(**ONE_STEP, tfds_dir=tfds_dir, output_dir=str(tmp_path_factory.mktemp("one") / "run"))
        train(config)
    finally:
        del registry.MODELS["small_net"]
    return config


def test_two_logical_cpus_train_as_one_device_with_the_global_batch(tmp_path, one_device_run):
    config = one_device_run.replace(output_dir=str(tmp_path / "mirrored"), strategy="mirrored", cpu_devices=2)
    _finish(_start(config))
    _assert_same_step(one_device_run.output_dir, config.output_dir)


def test_two_workers_on_localhost_train_as_one_device_with_the_global_batch(tmp_path, one_device_run):
    config = one_device_run.replace(output_dir=str(tmp_path / "workers"), strategy="multi_worker")
    _run_two_workers(config)
    _assert_same_step(one_device_run.output_dir, config.output_dir)
    # Only the chief wrote the run folder; the other worker's checkpoints went to a folder it removed.
    assert os.listdir(run_directory.checkpoint_dir(config.output_dir))
    assert os.path.exists(run_directory.final_weights_path(config.output_dir))


@pytest.fixture(scope="module")
def toker_one_device_run(tmp_path_factory, tfds_dir):
    """Toker's task with its discriminator on a small generator and retrieval network (Toker's own
    ResNet-34 at a test size is too ill-conditioned in float32 for 1e-5: its gradients differ by
    ~1e-3 between eager and graph execution on one device). Adam's first step moves each weight by
    the rate times the sign of its gradient, so an element at rounding level may step either way
    before the generator's update reads D and R: a tiny rate keeps that below the tolerance (the
    gradients, read from Adam's first moments, do not depend on the rate)."""
    from tests.training.conftest import SMALL_MODELS

    registry.MODELS["small_toker"] = SMALL_MODELS["small_toker"]
    try:
        config = RECIPES["toker_small"].replace(
            model="small_toker", model_options={}, dataset="synthetic_crossview/tiny", batch_size=4, max_steps=1,
            tfds_dir=tfds_dir, learning_rate=1e-9, task_options={**RECIPES["toker_small"].task_options, "summary_images": 0},
            output_dir=str(tmp_path_factory.mktemp("toker_one") / "run"),
        )
        train(config)
    finally:
        del registry.MODELS["small_toker"]
    return config


TOKER_OPTIMIZERS = ("discriminator_optimizer", "retrieval_optimizer", "generator_optimizer")


def test_toker_gan_on_two_logical_cpus_trains_as_one_device_with_the_global_batch(tmp_path, toker_one_device_run):
    # D, R and G update in order, G through the updated D and R: equal G gradients need equal D and R steps.
    config = toker_one_device_run.replace(output_dir=str(tmp_path / "mirrored"), strategy="mirrored", cpu_devices=2)
    _finish(_start(config))
    _assert_same_step(toker_one_device_run.output_dir, config.output_dir, TOKER_OPTIMIZERS, beta_1=config.beta_1)


@pytest.mark.slow  # 20 s; the soft-margin task's two-worker test stays in the default tier
def test_toker_gan_on_two_workers_trains_as_one_device_with_the_global_batch(tmp_path, toker_one_device_run):
    config = toker_one_device_run.replace(output_dir=str(tmp_path / "workers"), strategy="multi_worker")
    _run_two_workers(config)
    _assert_same_step(toker_one_device_run.output_dir, config.output_dir, TOKER_OPTIMIZERS, beta_1=config.beta_1)


@pytest.mark.slow  # 30 s: two more runs
def test_toker_cvact_loss_on_two_logical_cpus_gathers_the_positions(tmp_path, toker_one_device_run):
    # The tiny split's 6 positions form two groups within 35 m of each other: any 4 hold a masked
    # pair, so the masked loss needs the global batch's positions in the descriptors' order.
    masked = toker_one_device_run.replace(positive_radius=35.0)
    one = masked.replace(output_dir=str(tmp_path / "one"))
    _finish(_start(one))
    mirrored = masked.replace(output_dir=str(tmp_path / "mirrored"), strategy="mirrored", cpu_devices=2)
    _finish(_start(mirrored))
    _assert_same_step(one.output_dir, mirrored.output_dir, TOKER_OPTIMIZERS, beta_1=masked.beta_1)
    assert _logged_losses(one.output_dir)["train/retrieval"] != pytest.approx(
        _logged_losses(toker_one_device_run.output_dir)["train/retrieval"], rel=1e-4
    )


def test_the_global_batch_must_split_evenly():
    class TwoReplicas:
        num_replicas_in_sync = 2

    check_batch_size(TwoReplicas(), 4)
    with pytest.raises(DistributionError, match="--batch_size=5 does not split evenly over 2 replicas"):
        check_batch_size(TwoReplicas(), 5)


def test_bad_strategies_and_device_counts_are_clear_errors(monkeypatch):
    with pytest.raises(DistributionError, match="--strategy must be one of default, mirrored, multi_worker"):
        make_strategy("tpu")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(DistributionError, match="needs the TF_CONFIG environment variable"):
        make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(DistributionError, match="TF_CONFIG is not a cluster description"):
        make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}')
    with pytest.raises(DistributionError, match="task index 3 is not one of the 1 workers"):
        make_strategy("multi_worker")
    tf.constant(0)  # TensorFlow has started: its CPU split is fixed
    split_cpu(len(tf.config.list_logical_devices("CPU")))  # asking for the split in place is fine
    with pytest.raises(DistributionError, match="--cpu_devices=7: TensorFlow has already started"):
        split_cpu(7)


def test_global_batch_normalization_is_keras_batch_normalization_on_one_replica():
    images = np.random.default_rng(0).normal(3.0, 2.0, size=(4, 5, 6, 3)).astype(np.float32)
    ours, keras_layer = GlobalBatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    for training in (True, False):
        np.testing.assert_allclose(ours(images, training=training), keras_layer(images, training=training), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.moving_mean, keras_layer.moving_mean, rtol=1e-6)
    assert "synchronized" not in ours.get_config()
