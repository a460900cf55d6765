"""TokerTask: one step updates G, D and R in the original's order, deterministically; schedule and images."""

import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.training import TrainConfig
from cvgeo.training.recipes import RECIPES, recipe_name
from cvgeo.training.tasks import TokerTask, make_task


def tiny_config(tmp_path, **changes) -> TrainConfig:
    return TrainConfig(
        model="toker", task="toker", batch_size=3, learning_rate=1e-3, beta_1=0.5, include_diagonal=False,
        model_options={"query_shape": (24, 64), "reference_shape": (24, 64), "heads": 2},
        output_dir=str(tmp_path / "run"), **changes,
    )


def batch():
    rng = np.random.default_rng(0)
    return {
        "query": tf.constant(rng.uniform(0, 255, (3, 24, 64, 3)), tf.float32),
        "reference": tf.constant(rng.uniform(0, 255, (3, 24, 64, 3)), tf.float32),
    }


def built(config) -> TokerTask:
    keras.utils.set_random_seed(0)
    task = make_task(config)
    task.build()
    return task


def snapshot(task):
    groups = {
        "generator": task.model.generator.weights,
        "retrieval": task.model.query_encoder.weights + task.model.reference_head.weights,
        "discriminator": task.discriminator.weights,
    }
    return {name: [w.numpy().copy() for w in weights] for name, weights in groups.items()}


@pytest.mark.slow  # 28 s; test_toker_three_updates.py checks what each update moves
def test_one_step_updates_every_network_and_repeats_bit_equal(tmp_path):
    config = tiny_config(tmp_path)
    task = built(config)
    assert isinstance(task, TokerTask)
    assert set(task.checkpoint_items()) == {
        "model", "discriminator", "generator_optimizer", "discriminator_optimizer", "retrieval_optimizer",
    }
    before = snapshot(task)
    task.start_epoch(0)
    losses = {k: float(v) for k, v in task.train_step(batch()).items()}
    assert set(losses) == {"loss", "discriminator", "retrieval", "generator_gan", "generator_retrieval", "generator_l1"}
    assert all(np.isfinite(v) for v in losses.values())
    assert losses["loss"] == pytest.approx(
        losses["generator_gan"] + 1000 * losses["generator_retrieval"] + 100 * losses["generator_l1"], rel=1e-5
    )
    after = snapshot(task)
    for name in before:
        changed = [not np.array_equal(a, b) for a, b in zip(before[name], after[name])]
        assert sum(changed) > len(changed) // 2, f"{name}: only {sum(changed)} of {len(changed)} weights changed"
    # The R update runs on the detached bottleneck and G's update comes after it: R's loss on
    # the step's own inputs is its loss before R moved, G's retrieval term sees the updated R.
    assert losses["retrieval"] != pytest.approx(losses["generator_retrieval"], rel=1e-6)

    again = built(config)
    again.start_epoch(0)
    again.train_step(batch())
    for name, weights in snapshot(again).items():
        for a, b in zip(after[name], weights):
            np.testing.assert_array_equal(a, b)


def test_hard_negative_ratio_follows_the_epoch_and_images_reach_tensorboard(tmp_path):
    task = built(tiny_config(tmp_path))
    task.start_epoch(0)
    assert float(task.hard_ratio.numpy()) == 1.0
    task.train_step(batch())
    task.start_epoch(21)
    assert float(task.hard_ratio.numpy()) == pytest.approx(0.1)
    events = glob.glob(os.path.join(tmp_path, "run", "logs", "synthesized", "events.*"))
    assert events
    tags = [
        (value.tag, event.step)
        for event in tf.compat.v1.train.summary_iterator(events[0])
        for value in event.summary.value
    ]
    assert ("synthesized", 21) in tags


def test_recipes():
    original = RECIPES["toker"]
    assert (original.task, original.dataset, original.batch_size, original.epochs, original.seed) == (
        "toker", "cvusa_polar_toker", 32, 200, 10,
    )
    assert (original.learning_rate, original.beta_1, original.beta_2) == (1e-4, 0.5, 0.999)
    assert original.model_options["query_shape"] == original.model_options["reference_shape"] == (112, 616)
    options = make_task(original).input_options()
    assert (options.reference_feature, options.ground_interpolation, options.joint_flip) == ("polar", "cubic", True)
    assert recipe_name("toker", "synthetic_crossview", synthetic=True) == "toker_small"
    assert RECIPES["toker_small"].task == "toker"
