"""CrossLocate: one shared or two separate VGG16 networks, raw RGB input, 512-d MAC descriptors."""

import numpy as np

from cvgeo.models import MODELS, build


def test_parameter_counts_and_sharing():
    one = build("crosslocate", query_shape=(32, 32), reference_shape=(32, 32))
    two = build("crosslocate", query_shape=(32, 32), reference_shape=(32, 32), two_branch=True)
    assert one.count_params() == 14_714_688 and two.count_params() == 2 * 14_714_688
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    np.testing.assert_array_equal(one.embed_query(images), one.embed_reference(images))  # one network
    assert np.max(np.abs(two.embed_query(images) - two.embed_reference(images))) > 1e-3
    np.testing.assert_allclose(np.linalg.norm(one.embed_query(images), axis=1), 1.0, rtol=1e-5)
    # Raw 0..255 input: uint8 and float images are the same input.
    np.testing.assert_array_equal(one.embed_query(images.astype(np.float32)), one.embed_query(images))


def test_registry_lists_all_five_networks():
    assert {"cvm_net_i", "cvm_net_ii", "ori_cnn", "safa", "crosslocate"} <= set(MODELS)
    for name in ("ori_cnn", "safa", "crosslocate"):
        assert MODELS[name].preprocessing
