import numpy as np
import pytest

from cvgeo.geometry.geodesy import (
    VIGOR_EARTH_RADIUS_M, great_circle_distance, planar_distance, planar_neighbours, wgs84_distance, yaw_difference,
)


def test_great_circle_on_vigor_sphere():
    assert great_circle_distance(0, 0, 0, 1) == pytest.approx(VIGOR_EARTH_RADIUS_M * np.pi / 180, rel=1e-12)
    assert great_circle_distance(10, 20, 10, 20) == 0.0
    # a quarter meridian
    assert great_circle_distance(0, 5, 90, 5) == pytest.approx(VIGOR_EARTH_RADIUS_M * np.pi / 2, rel=1e-12)


def test_wgs84_known_lengths():
    # One degree of latitude at the equator / one degree of longitude on the equator (WGS84).
    assert wgs84_distance(0, 0, 1, 0) == pytest.approx(110574.389, abs=1e-3)
    assert wgs84_distance(0, 0, 0, 1) == pytest.approx(111319.491, abs=1e-3)
    assert wgs84_distance([46.5], [8.0], [46.5], [8.0]).tolist() == [0.0]


def test_planar_and_yaw():
    assert planar_distance([300000.0, 5000000.0], [300003.0, 5000004.0]) == 5.0
    np.testing.assert_allclose(yaw_difference([350, -20, 0, 90], [10, 20, 180, 270]), [20, 40, 180, 180])


def test_planar_neighbours_inclusive():
    reference = np.array([[3.0, 4.0], [3.0, 4.000001], [0.0, 0.0], [-5.0, 0.0]])
    found = planar_neighbours(np.array([[0.0, 0.0], [100.0, 100.0]]), reference, 5.0)
    assert found[0].tolist() == [0, 2, 3] and found[1].tolist() == []
