"""OriCNN: size, parameter count, batch-statistics semantics, orientation files."""

import math

import numpy as np
import pytest
import scipy.io

from cvgeo.models import build

SMALL = dict(query_shape=(136, 272), reference_shape=(136, 136))


@pytest.fixture(scope="module")
def model():
    return build("ori_cnn", **SMALL)


def test_native_parameter_count_and_contract():
    native = build("ori_cnn")
    assert native.count_params() == 30_705_536
    assert (native.query_shape, native.reference_shape, native.descriptor_dim) == ((224, 1232), (512, 512), 1536)
    assert native.embed_batch_size == 12


def test_one_call_of_up_to_12_images_is_one_batch(model):
    images = np.random.default_rng(0).integers(0, 256, (13, 136, 272, 3)).astype(np.uint8)
    all13 = model.embed_query(images)
    np.testing.assert_allclose(np.linalg.norm(all13, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(all13[:12], model.embed_query(images[:12]), atol=1e-6)
    np.testing.assert_allclose(all13[12:], model.embed_query(images[12:]), atol=1e-6)
    # Batch statistics: the same image gets another descriptor in other company.
    assert np.max(np.abs(model.embed_query(images[:2])[0] - all13[0])) > 1e-4


def test_small_inputs_with_a_final_side_of_one_give_finite_descriptors():
    # The original divides by zero here (spec B.2); tf.image.resize's sampling stays defined.
    model = build("ori_cnn", query_shape=(64, 256), reference_shape=(64, 64))
    images = np.random.default_rng(1).integers(0, 256, (3, 64, 256, 3)).astype(np.uint8)
    descriptors = model.embed_query(images)
    assert np.isfinite(descriptors).all()
    np.testing.assert_allclose(np.linalg.norm(descriptors, axis=1), 1.0, rtol=1e-5)


def test_augmented_orientation_channels_given_with_the_images_replace_the_built_in_ones(model):
    """Five-channel training inputs: with the unmoved maps they equal the three-channel path."""
    from cvgeo.layers.orientation_channels import orientation_channels_for

    h, w = SMALL["query_shape"]
    images = np.random.default_rng(2).integers(0, 256, (3, h, w, 3)).astype(np.float32)
    maps = np.broadcast_to(orientation_channels_for("ground", h, w), (3, h, w, 2))
    given = model.query_encoder(np.concatenate([images, maps], axis=-1), training=False).numpy()
    np.testing.assert_allclose(given, model.embed_query(images), atol=1e-5)
    moved = model.query_encoder(np.concatenate([images, np.roll(maps, 5, axis=2)], axis=-1), training=False).numpy()
    assert np.abs(moved - given).max() > 1e-4


def test_authors_mat_files_equal_the_closed_form(tmp_path, model):
    h, w = SMALL["query_shape"]
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    # The authors' ground file is in radians: yaw = -pi + 2 pi c/(W-1), pitch = (r - (H-1)/2) 2 pi/(W-1).
    ground = np.stack([-math.pi + 2 * math.pi * cols / (w - 1), (rows - (h - 1) / 2) * 2 * math.pi / (w - 1)], axis=-1)
    s = SMALL["reference_shape"][0]
    r, c = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    east, north = c - (s - 1) / 2, (s - 1) / 2 - r
    aerial = np.stack([np.arctan2(east, north), np.hypot(east, north) / (s / 2)], axis=-1)
    scipy.io.savemat(tmp_path / "yaw_pitch_grd_CVUSA.mat", {"orient_mat": ground})
    scipy.io.savemat(tmp_path / "yaw_radius_sat_CVUSA.mat", {"polor_mat": aerial})
    from_files = build("ori_cnn", orientation_maps=str(tmp_path), **SMALL)
    from_files.set_weights(model.get_weights())
    rng = np.random.default_rng(1)
    grd = rng.integers(0, 256, (2, h, w, 3)).astype(np.uint8)
    sat = rng.integers(0, 256, (2, s, s, 3)).astype(np.uint8)
    np.testing.assert_allclose(from_files.embed_query(grd), model.embed_query(grd), atol=1e-5)
    np.testing.assert_allclose(from_files.embed_reference(sat), model.embed_reference(sat), atol=1e-5)


def test_orientation_folder_must_hold_both_files(tmp_path):
    with pytest.raises(ValueError, match="yaw_pitch_grd"):
        build("ori_cnn", orientation_maps=str(tmp_path), **SMALL)
