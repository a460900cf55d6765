import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.losses import soft_margin_triplet_loss
from cvgeo.models import build
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.train_step import make_train_step


def _run_five_steps(seed: int) -> list[np.ndarray]:
    keras.utils.set_random_seed(seed)
    model = build("cvm_net_i", query_shape=(16, 64), reference_shape=(32, 32))
    optimizer = FusedAdam(1e-4)
    step = make_train_step(model, optimizer, lambda q, r, batch: soft_margin_triplet_loss(q, r))
    rng = np.random.default_rng(seed)
    batch = {
        "query": tf.constant(rng.uniform(0, 255, (4, 16, 64, 3)), tf.float32),
        "reference": tf.constant(rng.uniform(0, 255, (4, 32, 32, 3)), tf.float32),
    }
    losses = [float(step(batch).losses) for _ in range(5)]
    assert all(np.isfinite(losses))
    return [w.copy() for w in model.get_weights()]


@pytest.mark.slow  # 30 s; bit-identical resume is also covered by test_robust_training.py
def test_five_steps_twice_give_bit_equal_weights():
    first, second = _run_five_steps(7), _run_five_steps(7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_frozen_blocks_do_not_move_and_trainable_ones_do():
    keras.utils.set_random_seed(0)
    model = build("cvm_net_i", query_shape=(16, 64), reference_shape=(32, 32), dropout_rate=0.0)
    before = {w.path: w.numpy().copy() for w in model.weights}
    step = make_train_step(model, FusedAdam(1e-3), lambda q, r, batch: soft_margin_triplet_loss(q, r))
    rng = np.random.default_rng(0)
    step({"query": tf.constant(rng.uniform(0, 255, (3, 16, 64, 3)), tf.float32),
          "reference": tf.constant(rng.uniform(0, 255, (3, 32, 32, 3)), tf.float32)})
    after = {w.path: w.numpy() for w in model.weights}
    assert np.array_equal(before["vgg_grd_conv1_1/kernel"], after["vgg_grd_conv1_1/kernel"])
    assert not np.array_equal(before["dim_reduction_fc1/kernel"], after["dim_reduction_fc1/kernel"])
