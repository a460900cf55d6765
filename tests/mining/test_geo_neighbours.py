import numpy as np
import pytest

from cvgeo.geometry.geodesy import wgs84_distance
from cvgeo.mining.geo_neighbours import GeoIndex, ecef_coordinates, positives_and_non_negatives


def _alpine_points(rng, count, spread_deg=0.05):
    centre = np.array([46.5, 9.8])  # CrossLocate's Alps
    return centre + rng.uniform(-spread_deg, spread_deg, (count, 2))


def test_radius_query_equals_a_dense_geodesic_matrix():
    rng = np.random.default_rng(0)
    database, queries = _alpine_points(rng, 600), _alpine_points(rng, 40)
    index = GeoIndex(latlon=database)
    for radius in (5.0, 200.0, 2000.0):
        dense = wgs84_distance(queries[:, None, 0], queries[:, None, 1], database[None, :, 0], database[None, :, 1])
        found = index.within(queries, radius)
        for q in range(len(queries)):
            np.testing.assert_array_equal(found[q], np.flatnonzero(dense[q] <= radius))


def test_boundary_is_inclusive_and_the_chord_never_exceeds_the_geodesic():
    rng = np.random.default_rng(1)
    database = _alpine_points(rng, 300, spread_deg=0.5)
    query = database[:1]
    geodesic = wgs84_distance(query[0, 0], query[0, 1], database[:, 0], database[:, 1])
    chord = np.linalg.norm(ecef_coordinates(database) - ecef_coordinates(query), axis=1)
    assert np.all(chord <= geodesic + 1e-6)
    radius = float(np.sort(geodesic)[10])  # a view exactly at the radius counts
    assert len(GeoIndex(latlon=database).within(query, radius)[0]) == 11


def test_planar_frame_and_bad_arguments():
    xy = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    assert GeoIndex(xy=xy).within([[0.0, 0.0]], 5.0)[0].tolist() == [0, 1]
    assert GeoIndex(latlon=np.zeros((0, 2))).within([[46.0, 9.0]], 10.0)[0].size == 0
    with pytest.raises(ValueError, match="exactly one"):
        GeoIndex()


def test_positives_need_distance_and_heading_inclusive():
    xy = np.array([[0.0, 0.0], [20.0, 0.0], [20.0, 0.0], [0.0, 20.001], [1500.0, 0.0], [2500.0, 0.0]])
    yaw = np.array([0.0, 15.0, 16.0, 0.0, 0.0, 0.0])
    positives, near = positives_and_non_negatives(GeoIndex(xy=xy), [[0.0, 0.0]], np.array([360.0]), yaw)
    assert positives[0].tolist() == [0, 1]  # 20 m and 15 degrees are in; 16 degrees and 20.001 m are not
    assert near[0].tolist() == [0, 1, 2, 3, 4]  # 2500 m is a negative
    without_yaw, _ = positives_and_non_negatives(GeoIndex(xy=xy), [[0.0, 0.0]], None, None)
    assert without_yaw[0].tolist() == [0, 1, 2]
