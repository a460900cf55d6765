import keras
import numpy as np
import tensorflow as tf

from cvgeo.training.fused_adam import FusedAdam


def _train(optimizer, steps=4):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7), keras.layers.Dense(2)])
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 5)), tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - 1.0))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    for _ in range(steps):
        step()
    return model, optimizer


def test_fused_adam_equals_keras_adam():
    reference, _ = _train(keras.optimizers.Adam(0.01, epsilon=1e-8))
    fused, optimizer = _train(FusedAdam(0.01, epsilon=1e-8))
    for a, b in zip(reference.get_weights(), fused.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(optimizer.iterations) == 4


def test_fused_adam_slots_round_trip_through_a_checkpoint(tmp_path):
    model, optimizer = _train(FusedAdam(0.01))
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / "ckpt"))
    restored_model, restored = _train(FusedAdam(0.01), steps=0)
    restored.build(restored_model.trainable_variables)
    tf.train.Checkpoint(model=restored_model, optimizer=restored).restore(path).assert_existing_objects_matched()
    assert int(restored.iterations) == 4
    for a, b in zip(optimizer.variables, restored.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
