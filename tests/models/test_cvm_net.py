import numpy as np
import pytest

from cvgeo.models import MODELS, UnknownModelError, build

SMALL = dict(query_shape=(32, 128), reference_shape=(64, 64))


@pytest.mark.parametrize("name, expected", [("cvm_net_i", 163_782_400), ("cvm_net_ii", 166_860_480)])
def test_parameter_counts_at_native_size_equal_the_originals(name, expected):
    model = build(name)
    assert model.count_params() == expected
    assert model.query_shape == (224, 1232) and model.reference_shape == (512, 512)
    assert model.descriptor_dim == 4096 == MODELS[name].descriptor_dim


def test_cvm_net_i_shares_only_the_fc_and_freezes_conv1_to_conv3():
    model = build("cvm_net_i", **SMALL)
    names = [w.path for w in model.weights]
    assert len(names) == len(set(names)) == 60  # the original's 60 model variables
    assert sum("dim_reduction_fc1" in n for n in names) == 2
    trainable = {w.path.split("/")[0] for w in model.trainable_weights}
    assert "vgg_grd_conv3_3" not in trainable and "vgg_sat_conv4_1" in trainable
    assert {"netvlad_grd", "netvlad_sat", "dim_reduction_fc1"} <= trainable


def test_from_scratch_initialisation_keeps_the_variables_and_spreads_the_initial_descriptors():
    rng = np.random.default_rng(3)
    blocks = rng.integers(0, 256, (6, 4, 4, 3), dtype=np.uint8)
    images = blocks.repeat(16, axis=1).repeat(16, axis=2)  # six different 64x64 colour layouts
    original = build("cvm_net_i", **SMALL)
    aided = build("cvm_net_i", **SMALL, zero_centres=True, fc_bias_init=0.0)
    assert [(w.path, w.shape) for w in aided.weights] == [(w.path, w.shape) for w in original.weights]
    assert not aided.get_layer("netvlad_sat").cluster_weights2.numpy().any()
    assert not aided.get_layer("dim_reduction_fc1").bias.numpy().any()

    def mean_distance(model):
        d = model.embed_reference(images).astype(np.float64)
        return (2 - 2 * (d @ d.T))[np.triu_indices(len(d), 1)].mean()

    # The original FC bias of 0.1 makes all initial descriptors almost the same vector.
    assert mean_distance(original) < 1e-4
    assert mean_distance(aided) > 100 * mean_distance(original)


def test_cvm_net_ii_has_64_variables_and_unnormalised_output():
    model = build("cvm_net_ii", **SMALL)
    assert len(model.weights) == 64
    rng = np.random.default_rng(0)
    descriptors = model.embed_query(rng.integers(0, 256, (2, 32, 128, 3), dtype=np.uint8))
    assert descriptors.shape == (2, 4096)
    assert not np.allclose(np.linalg.norm(descriptors, axis=1), 1.0, atol=1e-3)


def test_embed_contract_uint8_and_float_agree_and_inference_is_deterministic():
    model = build("cvm_net_i", **SMALL)
    images = np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    as_uint8 = model.embed_reference(images)
    as_float = model.embed_reference(images.astype(np.float32), batch_size=2)
    assert as_uint8.dtype == np.float32 and as_uint8.shape == (3, 4096)
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)  # no dropout at inference, batching-invariant
    np.testing.assert_allclose(np.linalg.norm(as_uint8, axis=1), 1.0, atol=1e-5)


def test_embed_rejects_wrong_size_with_a_clear_message():
    model = build("cvm_net_i", **SMALL)
    with pytest.raises(ValueError, match=r"expects images of shape \[N, 32, 128, 3\]"):
        model.embed_query(np.zeros((1, 64, 64, 3), np.uint8))


def test_unknown_model_lists_the_valid_names():
    with pytest.raises(UnknownModelError, match="cvm_net_i.*cvm_net_ii"):
        build("cvm_net_iii")
