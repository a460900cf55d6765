"""Models carry what they are: get_config -> from_config rebuilds the same network, weights fit it."""

import json

import keras
import numpy as np
import pytest

from cvgeo.models import MODELS, UnknownModelError, build, from_config
from cvgeo.models.model_option_error import ModelOptionError

# Every registered network at a small size, with non-default options
# where a network has them, so the config must carry them for the weights to fit.
TINY = {
    "cvm_net_i": dict(query_shape=(32, 128), reference_shape=(64, 64), num_clusters=2, batch_norm=True),
    "cvm_net_ii": dict(query_shape=(32, 128), reference_shape=(64, 64), num_clusters=2),
    "ori_cnn": dict(query_shape=(136, 256), reference_shape=(136, 136)),
    "safa": dict(query_shape=(32, 128), reference_shape=(32, 128), heads=2, sa_pool="max"),
    "crosslocate": dict(query_shape=(32, 32), reference_shape=(40, 40), two_branch=True),
    "safa_stn_affine": dict(query_shape=(32, 128), reference_shape=(64, 64), heads=2),
    "safa_stn_composed": dict(query_shape=(32, 128), reference_shape=(64, 64), transform_shape=(56, 64), latent_channels=4),
    "toker": dict(query_shape=(32, 64), reference_shape=(32, 64), heads=2),
    "safa_stn_tps": dict(query_shape=(32, 128), reference_shape=(64, 64), grid_shape=(3, 4), span=0.8),
}


def test_every_registered_model_is_covered():
    assert set(TINY) == set(MODELS)


@pytest.mark.parametrize("name", sorted(TINY))
def test_config_round_trip_rebuilds_a_network_the_weights_fit(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = build(name, **TINY[name])
    config = model.get_config()
    assert config["family"] == name
    assert config["query_shape"] == list(TINY[name]["query_shape"])
    assert config["reference_shape"] == list(TINY[name]["reference_shape"])
    assert json.loads(json.dumps(config)) == config, "the config must be plain JSON"
    for option, value in TINY[name].items():
        if not option.endswith("_shape"):
            assert config["options"][option] == value

    keras.utils.set_random_seed(1)
    rebuilt = from_config(json.loads(json.dumps(config)))  # as read back from a file
    assert type(rebuilt) is type(model) and rebuilt.get_config() == config
    assert [w.path for w in rebuilt.weights] == [w.path for w in model.weights]
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), rebuilt.get_weights()))
    model.save_weights(tmp_path / "model.weights.h5")
    rebuilt.load_weights(tmp_path / "model.weights.h5")
    for original, loaded in zip(model.weights, rebuilt.weights):
        np.testing.assert_array_equal(original.numpy(), loaded.numpy(), err_msg=original.path)


def test_keras_serialization_goes_through_the_config():
    model = build("crosslocate", query_shape=(32, 32), reference_shape=(32, 32))
    serialized = keras.saving.serialize_keras_object(model)
    assert serialized["config"] == model.get_config()
    assert keras.saving.deserialize_keras_object(serialized).get_config() == model.get_config()


def test_options_left_out_take_the_builder_defaults():
    config = from_config({"family": "crosslocate", "query_shape": [32, 32], "reference_shape": [32, 32]}).get_config()
    assert config["options"] == {"two_branch": False}


def test_bad_configs_and_options_are_named():
    with pytest.raises(ModelOptionError, match="'family'"):
        from_config({"options": {}})
    with pytest.raises(UnknownModelError, match="available models: crosslocate"):
        from_config({"family": "cvm_net_iii"})
    with pytest.raises(ModelOptionError, match="takes the options query_shape, reference_shape, two_branch; got heads"):
        build("crosslocate", heads=3)
