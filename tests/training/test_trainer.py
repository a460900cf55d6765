import json
import os

import numpy as np
import pytest

from cvgeo.training import TrainConfig, TrainingError, train

TINY = dict(
    model="small_net",
    dataset="synthetic_crossview/tiny",
    model_options={"query_shape": (16, 64), "reference_shape": (32, 32)},
    batch_size=2,
    learning_rate=1e-2,
)


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _validations(run_dir):
    with open(os.path.join(run_dir, "validation.jsonl")) as stream:
        return [json.loads(line) for line in stream]


def test_checkpoint_every_epoch_and_resume(tmp_path, tfds_dir, capsys, small_net):
    from cvgeo.training.validation import make_validator

    config = TrainConfig(**TINY, tfds_dir=tfds_dir, epochs=1, output_dir=str(tmp_path / "run"))
    first = train(config, validate=make_validator(config))
    assert json.loads(open(tmp_path / "run" / "config.json").read())["dataset"] == "synthetic_crossview/tiny"
    assert [v["step"] for v in _validations(config.output_dir)] == [3]  # 6 pairs / batch 2
    assert 0 <= _validations(config.output_dir)[0]["recall@1"] <= 100

    longer = config.replace(epochs=2)
    second = train(longer, validate=make_validator(longer))
    assert "Resuming" in capsys.readouterr().out
    assert [v["step"] for v in _validations(config.output_dir)] == [3, 6]
    assert sorted(os.listdir(tmp_path / "run" / "checkpoints"))[0] == "checkpoint"
    assert any(not np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights()))


def test_max_steps_stops_mid_epoch_and_resume_finishes_it(tmp_path, tfds_dir, small_net):
    config = TrainConfig(**TINY, tfds_dir=tfds_dir, epochs=1, max_steps=1, output_dir=str(tmp_path / "run"))
    train(config)
    import tensorflow as tf

    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith("ckpt-1")
    train(config.replace(max_steps=100))
    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith("ckpt-3")  # continues the epoch: 1 + the 2 batches left


def test_passes_grouped_into_fewer_epochs_train_on_the_same_batches(tmp_path, tfds_dir, small_net):
    two_epochs = TrainConfig(**TINY, tfds_dir=tfds_dir, epochs=2, output_dir=str(tmp_path / "epochs"))
    one_epoch = two_epochs.replace(epochs=1, passes_per_epoch=2, output_dir=str(tmp_path / "passes"))
    import tensorflow as tf

    expected = train(two_epochs).get_weights()
    weights = train(one_epoch).get_weights()
    for a, b in zip(expected, weights):
        np.testing.assert_array_equal(a, b)
    assert tf.train.latest_checkpoint(str(tmp_path / "passes" / "checkpoints")).endswith("ckpt-6")
    assert len(tf.train.get_checkpoint_state(str(tmp_path / "passes" / "checkpoints")).all_model_checkpoint_paths) == 1


def test_fewer_than_one_pass_per_epoch_is_refused(tmp_path, tfds_dir, small_net):
    config = TrainConfig(**TINY, tfds_dir=tfds_dir, passes_per_epoch=0, output_dir=str(tmp_path / "run"))
    with pytest.raises(TrainingError, match="passes_per_epoch must be at least 1, got 0"):
        train(config)


def test_a_different_configuration_in_the_same_folder_is_refused(tmp_path, tfds_dir, small_net):
    config = TrainConfig(**TINY, tfds_dir=tfds_dir, epochs=1, max_steps=1, output_dir=str(tmp_path / "run"))
    train(config)
    with pytest.raises(TrainingError, match="learning_rate differ"):
        train(config.replace(learning_rate=0.5))


@pytest.mark.slow
@pytest.mark.ci
def test_cvm_net_i_end_to_end_on_tiny_synthetic_data(tmp_path, tfds_dir):
    from cvgeo.training.validation import make_validator

    config = TrainConfig(
        **{**TINY, "model": "cvm_net_i", "learning_rate": 1e-4,
           "model_options": {**TINY["model_options"], "batch_norm": True, "frozen_blocks": ()}},
        tfds_dir=tfds_dir, epochs=1, output_dir=str(tmp_path / "run"),
    )
    model = train(config, validate=make_validator(config))
    assert model.count_params() > 160_000_000
    assert _validations(config.output_dir)[0]["num_queries"] == 4
