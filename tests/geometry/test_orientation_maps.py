"""OriCNN orientation maps: known values from the authors' files and the aerial definition."""

import math

import numpy as np
import pytest
import scipy.io

from cvgeo.geometry.orientation_maps import aerial_orientation_map, ground_orientation_map, orientation_maps_from_mat


def test_ground_map_matches_the_authors_cvusa_file_values():
    maps = ground_orientation_map(224, 1232)
    assert maps.shape == (224, 1232, 2) and maps.dtype == np.float32
    np.testing.assert_allclose(maps[:, 0, 0], -1.0)
    np.testing.assert_allclose(maps[:, -1, 0], 1.0)
    np.testing.assert_allclose(maps[0, 615, 0], -1.0 + 2 * 615 / 1231, rtol=1e-6)
    # Spec B.1: pitch row 0 = -0.56911 rad, row 223 = +0.56911 rad, constant along rows.
    np.testing.assert_allclose(maps[0, :, 1], -0.56911 / math.pi, atol=2e-6)
    np.testing.assert_allclose(maps[223, :, 1], 0.56911 / math.pi, atol=2e-6)


def test_aerial_map_north_zero_clockwise_and_radius():
    maps = aerial_orientation_map(5)  # centre pixel (2, 2)
    azimuth, radius = maps[..., 0], maps[..., 1]
    assert azimuth[0, 2] == 0.0  # north (up)
    assert azimuth[2, 4] == pytest.approx(0.5)  # east
    assert azimuth[2, 0] == pytest.approx(-0.5)  # west
    assert abs(azimuth[4, 2]) == pytest.approx(1.0)  # south: the +-pi seam
    assert azimuth[0, 4] == pytest.approx(0.25)  # north-east
    assert radius[2, 2] == pytest.approx(-1.0)  # (0 - 0.5) * 2
    assert radius[0, 2] == pytest.approx((2 / 2.5 - 0.5) * 2)
    assert radius[0, 0] == pytest.approx((math.hypot(2, 2) / 2.5 - 0.5) * 2)  # no mask outside the circle


def test_mat_files_are_scaled_as_the_original_loaders(tmp_path):
    yaw_pitch = np.stack(np.meshgrid(np.linspace(-math.pi, math.pi, 6), np.linspace(-0.3, 0.3, 4)), axis=-1)
    scipy.io.savemat(tmp_path / "yaw_pitch_grd_CVUSA.mat", {"orient_mat": yaw_pitch})
    np.testing.assert_allclose(orientation_maps_from_mat(tmp_path / "yaw_pitch_grd_CVUSA.mat", "ground"), yaw_pitch / math.pi, rtol=1e-6)
    azimuth_radius = np.stack([np.full((3, 3), math.pi / 2), np.full((3, 3), 0.75)], axis=-1)
    scipy.io.savemat(tmp_path / "yaw_radius_sat_CVUSA.mat", {"polor_mat": azimuth_radius})
    scaled = orientation_maps_from_mat(tmp_path / "yaw_radius_sat_CVUSA.mat", "aerial")
    np.testing.assert_allclose(scaled[..., 0], 0.5)
    np.testing.assert_allclose(scaled[..., 1], 0.5)
    with pytest.raises(ValueError, match="polor_mat"):
        orientation_maps_from_mat(tmp_path / "yaw_pitch_grd_CVUSA.mat", "aerial")
    (tmp_path / "broken.mat").write_text("not a mat file")
    with pytest.raises(ValueError, match="broken.mat"):
        orientation_maps_from_mat(tmp_path / "broken.mat", "ground")
