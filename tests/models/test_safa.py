"""SAFA: native shapes and parameters, polar reference, mean vs max attention pooling."""

import numpy as np

from cvgeo.models import build, model_spec


def test_native_shapes_parameters_and_registry():
    model = build("safa")
    # 2 x VGG16 convs (14,714,688) + 2 x attention (80*40*8 + 40*8 + 40*80*8 + 80*8 = 52,160).
    assert model.count_params() == 2 * 14_714_688 + 2 * 52_160 == 29_533_696
    assert (model.query_shape, model.reference_shape, model.descriptor_dim) == ((112, 616), (112, 616), 4096)
    weights = {v.path: tuple(v.shape) for v in model.weights}
    assert weights["spatial_grd/weights1"] == (80, 40, 8) and weights["spatial_sat/biases2"] == (1, 80, 8)
    assert model_spec("safa").reference_feature == "polar"


def test_channel_pool_option_changes_descriptors():
    mean_model = build("safa", query_shape=(48, 128), reference_shape=(48, 128))
    max_model = build("safa", query_shape=(48, 128), reference_shape=(48, 128), sa_pool="max")
    rng = np.random.default_rng(0)
    for variable in mean_model.weights:
        if variable.path.startswith("spatial_") and "weights" in variable.path:
            # The original init (sd 0.005, biases 0.1) makes attention nearly uniform at first.
            variable.assign(rng.normal(0.0, 0.5, tuple(variable.shape)).astype(np.float32))
    max_model.set_weights(mean_model.get_weights())
    images = rng.integers(0, 256, (2, 48, 128, 3)).astype(np.uint8)
    mean_out, max_out = mean_model.embed_query(images), max_model.embed_query(images)
    np.testing.assert_allclose(np.linalg.norm(mean_out, axis=1), 1.0, rtol=1e-5)
    assert np.max(np.abs(mean_out - max_out)) > 1e-3
