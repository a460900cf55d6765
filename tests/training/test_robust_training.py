"""The loop under faults: a kill mid-save, NaN losses and gradients, SIGTERM, SIGKILL and exact resume.

Faulty runs are train.py subprocesses (`tiny_train.py`); they are continued in-process with the same
TrainConfig, on the tiny network and the 6-pair tiny dataset.
"""

import json
import os
import random
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.inference import run_directory
from cvgeo.training import NonFiniteLossError, TrainConfig, train
from cvgeo.training.run_checkpoints import RunCheckpoints, remove_unfinished
from cvgeo.training.train_step import StepResult

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = dict(
    model="small_net",
    dataset="synthetic_crossview/tiny",
    model_options={"query_shape": (16, 64), "reference_shape": (32, 32), "dropout_rate": 0.3},
    batch_size=2,
    learning_rate=1e-2,
)


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _config(tmp_path, tfds_dir, name="run", **changes) -> TrainConfig:
    return TrainConfig(**TINY, tfds_dir=tfds_dir, output_dir=str(tmp_path / name), **changes)


def _run_tiny_train(config: TrainConfig, **faults: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TINY_CONFIG": config.to_json(), **faults}
    return subprocess.run(
        [sys.executable, os.path.join(HERE, "tiny_train.py")], env=env, capture_output=True, text=True, timeout=300,
    )


def _latest(config: TrainConfig) -> str | None:
    latest = tf.train.latest_checkpoint(run_directory.checkpoint_dir(config.output_dir))
    return latest and os.path.basename(latest)


def _weights(model) -> list[np.ndarray]:
    return [w.copy() for w in model.get_weights()]


def test_a_kill_while_a_checkpoint_is_written_keeps_the_previous_one(tmp_path, tfds_dir, small_net):
    config = _config(tmp_path, tfds_dir, epochs=2, max_steps=5, checkpoint_every_steps=2)  # saves 2, 3 (epoch end), 4, 5
    killed = _run_tiny_train(config, TINY_KILL_IN_SAVE="4")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    folder = run_directory.checkpoint_dir(config.output_dir)
    assert _latest(config) == "ckpt-3"
    assert any(name.startswith("ckpt-4") for name in os.listdir(folder))  # the half-written save is there

    train(config)  # resumes from ckpt-3, removes the half-written ckpt-4 and writes it afresh
    assert _latest(config) == "ckpt-5"
    assert tf.train.load_checkpoint(os.path.join(folder, "ckpt-4")).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 4


def test_remove_unfinished_keeps_committed_checkpoints(tmp_path):
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=3)
    manager.save(checkpoint_number=1)
    for name in ("ckpt-2.index", "ckpt-2.data-00000-of-00001", "checkpoint.tmp123"):
        (tmp_path / name).write_text("half")
    (tmp_path / "ckpt-2_temp").mkdir()
    assert remove_unfinished(str(tmp_path)) == ["checkpoint.tmp123", "ckpt-2.data-00000-of-00001", "ckpt-2.index", "ckpt-2_temp"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]


def test_checkpoints_without_the_optional_items_still_restore(tmp_path):
    old = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(5)), str(tmp_path), max_to_keep=3)
    old.save(checkpoint_number=5)
    step, step_in_epoch = tf.Variable(0), tf.Variable(0)
    assert RunCheckpoints(str(tmp_path), {"step": step}, {"step_in_epoch": step_in_epoch}).restore().endswith("ckpt-5")
    assert (int(step), int(step_in_epoch)) == (5, 0)
    with pytest.raises(AssertionError):
        RunCheckpoints(str(tmp_path), {"step": step, "epoch": tf.Variable(0)}, {}).restore()


@pytest.mark.slow  # a subprocess run (~20 s); the in-process NaN-gradient test runs by default
def test_a_nan_loss_exits_2_with_one_line_and_saves_nothing_after_it(tmp_path, tfds_dir, small_net):
    config = _config(tmp_path, tfds_dir, epochs=2, checkpoint_every_steps=2)
    result = _run_tiny_train(config, TINY_NAN_AT_STEP="5")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "train.py: non-finite values at step 5 (epoch 2, batch 2): loss 'triplet' is nan; "
        f"stopped without saving, the latest checkpoint is still {tmp_path / 'run' / 'checkpoints' / 'ckpt-4'}"
    )
    assert _latest(config) == "ckpt-4"
    assert not os.path.exists(run_directory.final_weights_path(config.output_dir))


def test_a_non_finite_gradient_stops_the_run(tmp_path, tfds_dir, small_net, monkeypatch):
    from cvgeo.training.tasks import SiameseTask

    step_once = SiameseTask.train_step

    def infinite_gradients(self, batch):
        result = step_once(self, batch)
        return StepResult(result.losses, tf.constant(float("inf")))

    monkeypatch.setattr(SiameseTask, "train_step", infinite_gradients)
    config = _config(tmp_path, tfds_dir)
    with pytest.raises(NonFiniteLossError, match=r"at step 1 \(epoch 1, batch 1\): the gradients' global norm is inf; "
                       "stopped without saving, no checkpoint was written"):
        train(config)
    assert _latest(config) is None


def test_the_step_reports_non_finite_gradients_of_a_finite_loss():
    import keras

    from cvgeo.training.fused_adam import FusedAdam
    from cvgeo.training.train_step import make_train_step

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    sqrt_at_zero = lambda outputs, batch: tf.reduce_sum(tf.sqrt(outputs))  # noqa: E731  d/dx sqrt(x) at 0 = inf
    step = make_train_step(model, FusedAdam(1e-3), sqrt_at_zero, forward=lambda batch: (model(batch["x"]),))
    result = step({"x": tf.ones((3, 2))})
    assert float(result.losses) == 0.0 and not np.isfinite(float(result.gradient_norm))


@pytest.mark.slow  # a subprocess run (~20 s); test_stop_signals covers the handler by default
def test_sigterm_checkpoints_at_the_step_boundary_and_the_same_command_resumes(tmp_path, tfds_dir, small_net, capsys):
    config = _config(tmp_path, tfds_dir, epochs=2)
    stopped = _run_tiny_train(config, TINY_SIGNAL="SIGTERM:2")
    assert stopped.returncode == 128 + signal.SIGTERM, stopped.stderr
    assert stopped.stderr.strip().splitlines()[-1] == (
        f"train.py: stopped by SIGTERM after step 2; checkpoint {tmp_path / 'run' / 'checkpoints' / 'ckpt-2'} "
        "written; run the same command to resume"
    )
    train(config)
    assert "(epoch 0, step 2)" in capsys.readouterr().out  # resumed mid-epoch (bit-exactness: the SIGKILL test)
    assert _latest(config) == "ckpt-6"


def test_sigkill_at_a_random_step_then_resume_gives_bit_identical_weights(tmp_path, tfds_dir, small_net):
    config = _config(tmp_path, tfds_dir, epochs=2, checkpoint_every_steps=2, deterministic=True)
    at = random.Random().randint(1, 6)  # as step `at` of the 6 starts: mid-epoch, at an epoch's end, before any save
    killed = _run_tiny_train(config, TINY_SIGNAL=f"SIGKILL:{at}")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    saved = [step for step in (2, 3, 4, 6) if step < at]  # every 2 steps and at the epoch ends
    assert _latest(config) == (f"ckpt-{saved[-1]}" if saved else None)
    resumed = _weights(train(config))
    expected = _weights(train(config.replace(output_dir=str(tmp_path / "uninterrupted"))))
    for a, b in zip(expected, resumed):
        np.testing.assert_array_equal(a, b, err_msg=f"killed at step {at}")


def test_dropout_draws_are_checkpointed(tmp_path, tfds_dir, small_net):
    config = _config(tmp_path, tfds_dir, max_steps=1)
    train(config)
    names = [name for name, _ in tf.train.list_variables(tf.train.latest_checkpoint(run_directory.checkpoint_dir(config.output_dir)))]
    assert sum(name.startswith("random_states/") for name in names) == 2  # one per branch's dropout
    assert "step_in_epoch/.ATTRIBUTES/VARIABLE_VALUE" in names


def test_a_finished_run_holds_its_final_weights_and_run_json(tmp_path, tfds_dir, small_net):
    from cvgeo.checkpoints import load
    from cvgeo.models import build
    from cvgeo.training.validation import make_validator

    config = _config(tmp_path, tfds_dir)
    model = train(config, validate=make_validator(config))
    fresh = build("small_net", **config.model_options)
    load(fresh, run_directory.final_weights_path(config.output_dir))
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    summary = json.loads((tmp_path / "run" / "run.json").read_text())
    assert summary["steps"] == 3 and summary["epochs_completed"] == 1 and summary["wall_time_seconds"] > 0
    assert summary["config"] == json.loads(config.to_json())
    assert summary["validation"]["step"] == 3 and "recall@1" in summary["validation"]
    assert not [name for name in os.listdir(tmp_path / "run") if name.startswith(".partial-")]
    logged = set()
    for path in (tmp_path / "run" / "logs").iterdir():
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            logged |= {value.tag for value in event.summary.value}
    assert {"train/loss", "train/gradient_norm"} <= logged
