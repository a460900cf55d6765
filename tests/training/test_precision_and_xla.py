"""--mixed_precision and --jit_compile on the tiny network: the loop trains, float32 stays where it must."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.training import TrainConfig, TrainingError, train
from cvgeo.training.tasks import make_task

TINY = dict(
    model="small_net",
    dataset="synthetic_crossview/tiny",
    model_options={"query_shape": (16, 64), "reference_shape": (32, 32)},
    batch_size=2,
    learning_rate=1e-2,
    max_steps=2,
)


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


@pytest.mark.parametrize(
    "precision, compute", [("bf16", "bfloat16"), pytest.param("fp16", "float16", marks=pytest.mark.slow)]
)
def test_mixed_precision_trains_with_float32_variables_descriptors_and_losses(precision, compute, tmp_path, tfds_dir, small_net):
    config = TrainConfig(**TINY, tfds_dir=tfds_dir, mixed_precision=precision, output_dir=str(tmp_path / "run"))
    model = train(config)
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    conv = model.get_layer("grd_conv")
    assert conv.compute_dtype == compute and conv.kernel.dtype == "float32"
    descriptors = model((tf.zeros((2, 16, 64, 3)), tf.zeros((2, 32, 32, 3))))
    assert [d.dtype for d in descriptors] == [tf.float32, tf.float32]
    names = [name for name, _ in tf.train.list_variables(tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")))]
    assert any("dynamic_scale" in name for name in names) == (precision == "fp16")

    task = make_task(config)
    keras.config.set_dtype_policy(f"mixed_{'bfloat16' if precision == 'bf16' else 'float16'}")
    try:
        task.build()
    finally:
        keras.config.set_dtype_policy("float32")
    batch = {"query": tf.random.uniform((2, 16, 64, 3), 0, 255), "reference": tf.random.uniform((2, 32, 32, 3), 0, 255)}
    result = task.train_step(batch)
    assert result.losses["loss"].dtype == tf.float32 and np.isfinite(float(result.losses["loss"]))
    assert (result.gradient_norm is None) == (precision == "fp16")  # loss scaling skips overflowing steps itself


@pytest.mark.slow  # compiling the step with XLA takes a while on 2 cores
def test_xla_compiled_step_matches_the_plain_one(tmp_path, tfds_dir, small_net):
    from cvgeo.models import build

    keras.utils.set_random_seed(0)
    initial = build("small_net", **TINY["model_options"]).get_weights()
    plain = train(TrainConfig(**TINY, tfds_dir=tfds_dir, output_dir=str(tmp_path / "plain"))).get_weights()
    compiled = train(TrainConfig(**TINY, tfds_dir=tfds_dir, jit_compile=True, output_dir=str(tmp_path / "xla"))).get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(plain, initial))  # the steps moved the weights
    for a, b in zip(plain, compiled):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_an_unknown_precision_is_refused(tmp_path, tfds_dir, small_net):
    with pytest.raises(TrainingError, match="mixed_precision must be one of bf16, fp16, got 'fp8'"):
        train(TrainConfig(**TINY, tfds_dir=tfds_dir, mixed_precision="fp8", output_dir=str(tmp_path / "run")))
