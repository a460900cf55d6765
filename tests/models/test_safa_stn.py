"""SAFA + STN (Realistic): registry, parameter counts, identity starts, the exposed warp and its gradient."""

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.geometry import grid_sample
from cvgeo.models import MODELS, build, model_spec
from cvgeo.models.model_option_error import ModelOptionError

KINDS = ("affine", "composed", "tps")
# Per branch: ResNet-34 conv1..layer3 (8,170,304) + SA at 14x77 (1078 -> 539 -> 1078, 8 heads).
RESNET_TRUNCATED = 8_170_304
SA_NATIVE = 2 * 1078 * 539 * 8 + 539 * 8 + 1078 * 8
TRUNK = 5090  # localisation convs + BNs on 3 channels
TRUNK_8_CHANNELS = TRUNK + 49 * (8 - 3) * 8  # the composed STN's second localisation net
STN_PARAMS = {
    "affine": TRUNK + 1690 * 64 + 64 + 64 * 6 + 6,
    "tps": TRUNK + 1690 * 512 + 512 + 512 * 120 + 120,
    "composed": (TRUNK + 1690 * 64 + 64 + 390)  # 256x256 -> 112x616
    + (9 * 3 * 8 + 8 + 16 + 9 * 8 * 8 + 8 + 16)  # ResidualBlock(3 -> 8)
    + (TRUNK_8_CHANNELS + 1440 * 64 + 64 + 390)  # on 8 channels at 112x616: 10 * 4 * 36
    + (9 * 8 * 3 + 3 + 6 + 9 * 3 * 3 + 3 + 6)  # ResidualBlock(8 -> 3)
    + (TRUNK + 1440 * 64 + 64 + 390),
}
# Tiny sizes: the localisation nets need >= 54 pixels; ResNet at stride 8 gives 4x8 and 7x8.
TINY = {"query_shape": (32, 64), "reference_shape": (64, 64), "transform_shape": (56, 64)}


def trainable_count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


@pytest.mark.parametrize("kind", KINDS)
def test_registry_and_native_parameter_counts(kind):
    name = f"safa_stn_{kind}"
    spec = model_spec(name)
    assert (spec.query_shape, spec.reference_shape, spec.descriptor_dim) == ((112, 616), (256, 256), 2048)
    assert spec.reference_feature == "aerial" and "ImageNet mean/std" in spec.preprocessing
    model = build(name)
    assert model.name == name and model.transform_shape == (112, 616)
    assert trainable_count(model) == 2 * (RESNET_TRUNCATED + SA_NATIVE) + STN_PARAMS[kind]
    weights = {v.path: tuple(v.shape) for v in model.weights}
    assert weights["spatial_sat/weights1"] == (1078, 539, 8) and weights["spatial_grd/biases2"] == (1, 1078, 8)
    assert "resnet_sat_layer3_5_bn2/moving_variance" in weights and not any("layer4" in p for p in weights)


def test_documented_native_counts():
    assert 2 * (RESNET_TRUNCATED + SA_NATIVE) == 34_959_824
    assert {k: 2 * (RESNET_TRUNCATED + SA_NATIVE) + v for k, v in STN_PARAMS.items()} == {
        "affine": 35_073_528,
        "tps": 35_892_266,
        "composed": 35_272_051,
    }
    assert set(MODELS) >= {f"safa_stn_{kind}" for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_forward_descriptors_and_exposed_warp(kind):
    model = build(f"safa_stn_{kind}", **TINY)
    rng = np.random.default_rng(0)
    street = rng.integers(0, 256, (3, 32, 64, 3)).astype(np.uint8)
    aerial = rng.integers(0, 256, (3, 64, 64, 3)).astype(np.uint8)
    query, reference = model.embed_query(street), model.embed_reference(aerial, batch_size=2)
    assert query.shape == reference.shape == (3, 2048) and query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(query, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, rtol=1e-5)
    warped = model.transform_reference(aerial)
    assert warped.shape == (3, 56, 64, 3)
    triple = model.with_transformed_reference((street.astype(np.float32), aerial.astype(np.float32)), training=False)
    np.testing.assert_allclose(triple[0].numpy(), query, atol=1e-5)
    np.testing.assert_allclose(triple[1].numpy(), reference, atol=1e-5)
    np.testing.assert_allclose(triple[2].numpy(), warped, atol=1e-5)
    pair = model((street.astype(np.float32), aerial.astype(np.float32)), training=False)
    np.testing.assert_allclose(pair[1].numpy(), reference, atol=1e-5)
    assert model.transform_reference(np.zeros((0, 64, 64, 3), np.uint8)).shape == (0, 56, 64, 3)


def test_affine_starts_as_the_identity_warp():
    model = build("safa_stn_affine", query_shape=(32, 64), reference_shape=(56, 64), transform_shape=(56, 64))
    aerial = np.random.default_rng(1).integers(0, 256, (2, 56, 64, 3)).astype(np.uint8)
    # Same size in and out: PyTorch's align_corners=False identity grid hits every pixel centre.
    np.testing.assert_allclose(model.transform_reference(aerial), model.normalize(aerial).numpy(), atol=1e-5)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(model.normalize(aerial).numpy(), (aerial / 255.0 - mean) / std, rtol=1e-5, atol=1e-6)


def test_tps_starts_as_the_identity_tps():
    model = build("safa_stn_tps", query_shape=(32, 64), reference_shape=(56, 64), transform_shape=(40, 64))
    aerial = np.random.default_rng(2).integers(0, 256, (2, 56, 64, 3)).astype(np.uint8)
    # The identity TPS samples at 2i/(n-1) - 1 (align_corners=True positions, spec 4.2).
    y, x = np.meshgrid(np.linspace(-1, 1, 40), np.linspace(-1, 1, 64), indexing="ij")
    grid = np.tile(np.stack([x, y], axis=-1)[None], (2, 1, 1, 1)).astype(np.float32)
    expected = grid_sample(model.normalize(aerial), grid).numpy()
    # float32 TPS coordinates are off by ~1e-6, times intensity steps of up to ~4 per 1/32 of the width.
    np.testing.assert_allclose(model.transform_reference(aerial), expected, atol=2e-4)


@pytest.mark.parametrize("kind", ["affine", "tps"])
def test_l1_loss_on_the_warp_reaches_the_stn_head(kind):
    model = build(f"safa_stn_{kind}", **TINY)
    rng = np.random.default_rng(3)
    street = tf.constant(rng.integers(0, 256, (2, 32, 64, 3)), tf.float32)
    aerial = tf.constant(rng.integers(0, 256, (2, 64, 64, 3)), tf.float32)
    polar = tf.constant(rng.integers(0, 256, (2, 56, 64, 3)), tf.float32)
    head = [v for v in model.trainable_variables if v.path == "stn_loc_fc2/bias"][0]
    with tf.GradientTape() as tape:
        _, _, warped = model.with_transformed_reference((street, aerial), training=True)
        l1 = tf.reduce_mean(tf.abs(warped - model.normalize(polar)))
    gradient = tape.gradient(l1, head)
    assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0


@pytest.mark.parametrize(
    "kind, options, message",
    [
        ("affine", {"reference_shape": (50, 64)}, "reference_shape must be at least 54x54"),
        ("composed", {"reference_shape": (64, 64), "transform_shape": (32, 64)}, "transform_shape must be at least 54x54"),
        ("tps", {"query_shape": (8, 8)}, "query_shape 8x8 leaves fewer than 2 positions"),
        ("tps", {"grid_shape": (1, 10)}, "grid_shape"),
    ],
)
def test_rejects_sizes_the_network_cannot_take(kind, options, message):
    with pytest.raises(ModelOptionError, match=message):
        build(f"safa_stn_{kind}", **{**TINY, **options})


def test_native_weights_round_trip_keeps_descriptors_and_warp(tmp_path):
    from cvgeo.checkpoints import load, save_weights

    model = build("safa_stn_tps", **TINY)
    head = model.get_layer("stn_loc_fc2").kernel
    head.assign(np.random.default_rng(4).normal(0.0, 0.01, tuple(head.shape)).astype(np.float32))
    aerial = np.random.default_rng(5).integers(0, 256, (2, 64, 64, 3)).astype(np.uint8)
    path = save_weights(model, tmp_path / "stn.weights.h5")
    again = build("safa_stn_tps", **TINY)
    assert load(again, path).variables_loaded == len(model.weights)
    np.testing.assert_array_equal(again.embed_reference(aerial), model.embed_reference(aerial))
    np.testing.assert_array_equal(again.transform_reference(aerial), model.transform_reference(aerial))
