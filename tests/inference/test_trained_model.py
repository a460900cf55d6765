"""load_trained_model: the network from a run folder, a converted weights file with its manifest, or a name."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.checkpoints import convert
from cvgeo.inference.run_directory import RunDirectoryError
from cvgeo.inference.trained_model import load_trained_model
from cvgeo.models import build

OPTIONS = dict(query_shape=(32, 32), reference_shape=(40, 40), two_branch=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A two-branch CrossLocate saved as a training run and as a converted weights file with its manifest."""
    keras.utils.set_random_seed(3)
    model = build("crosslocate", **OPTIONS)
    root = tmp_path_factory.mktemp("trained")
    run = root / "run"
    tf.train.CheckpointManager(tf.train.Checkpoint(model=model), str(run / "checkpoints"), max_to_keep=1).save()
    options = {**OPTIONS, "query_shape": list(OPTIONS["query_shape"]), "reference_shape": list(OPTIONS["reference_shape"])}
    (run / "config.json").write_text(json.dumps({"model": "crosslocate", "model_options": options, "dataset": "x"}))
    weights = str(root / "crosslocate.weights.h5")
    convert("crosslocate", tf.train.latest_checkpoint(str(run / "checkpoints")), weights, **OPTIONS)
    return model, str(run), weights


def _assert_same_network(network, model):
    assert network.get_config() == model.get_config()
    for expected, loaded in zip(model.weights, network.weights):
        np.testing.assert_array_equal(expected.numpy(), loaded.numpy(), err_msg=expected.path)


def test_run_folder_gives_its_network_and_newest_checkpoint(trained):
    model, run, _ = trained
    network, config = load_trained_model(run_dir=run)
    _assert_same_network(network, model)
    assert config["dataset"] == "x"


def test_converted_weights_rebuild_their_network_from_the_manifest(trained, tmp_path):
    model, _, weights = trained
    # No --model and no run: the manifest's model_config says two branches at 32x32 / 40x40.
    network, config = load_trained_model(run_dir=str(tmp_path / "no_run"), checkpoint=weights)
    _assert_same_network(network, model)
    assert config == {}, "no run was read"


def test_missing_pieces_are_named(trained, tmp_path):
    with pytest.raises(RunDirectoryError, match="no trained model given"):
        load_trained_model()
    with pytest.raises(RunDirectoryError, match="no training run in .*no_run"):
        load_trained_model(run_dir=str(tmp_path / "no_run"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text(json.dumps({"model": "crosslocate", "model_options": OPTIONS}))
    with pytest.raises(RunDirectoryError, match="no checkpoint in .*empty"):
        load_trained_model(run_dir=str(tmp_path / "empty"))
