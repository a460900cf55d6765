"""Distances between geo-tagged views: great circle, WGS84 geodesic, planar (UTM) and yaw.

Evaluation protocols compare retrieved locations with the query's location; each original uses its own
distance, kept here so the protocols only name which one they need.
"""

import functools

import numpy as np
import pyproj
from scipy.spatial import cKDTree

# VIGOR `evaluate_from_npy.py` (`gps2distance`) uses a sphere of this radius in metres.
VIGOR_EARTH_RADIUS_M = 6_371_004.0


@functools.cache
def _sphere(radius_m: float) -> pyproj.Geod:
    return pyproj.Geod(a=radius_m, b=radius_m)


@functools.cache
def _wgs84() -> pyproj.Geod:
    return pyproj.Geod(ellps="WGS84")


def _inverse_distance(geod: pyproj.Geod, lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    lat_a, lon_a, lat_b, lon_b = np.broadcast_arrays(
        *(np.asarray(v, np.float64) for v in (lat_a, lon_a, lat_b, lon_b))
    )
    if lat_a.size == 0:
        return np.zeros(lat_a.shape, np.float64)
    _, _, distance = geod.inv(lon_a.ravel(), lat_a.ravel(), lon_b.ravel(), lat_b.ravel())
    return np.asarray(distance, np.float64).reshape(lat_a.shape)


def great_circle_distance(lat_a, lon_a, lat_b, lon_b, radius_m: float = VIGOR_EARTH_RADIUS_M) -> np.ndarray:
    """Great-circle distance in metres on a sphere (degrees in, broadcasting).

    VIGOR computes it with the spherical law of cosines, which loses about a millimetre at metre range
    in float64; the geodesic on the sphere used here is the same distance without that rounding.
    """
    return _inverse_distance(_sphere(float(radius_m)), lat_a, lon_a, lat_b, lon_b)


def wgs84_distance(lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    """Geodesic distance in metres on the WGS84 ellipsoid (degrees in, broadcasting).

    CrossLocate (`precomputeLocationDistancesWGS`) uses Vincenty's inverse on WGS84 and maps the NaN
    it returns for coincident points to 0; Karney's algorithm (pyproj) agrees to well under a
    millimetre and returns 0 there itself.
    """
    return _inverse_distance(_wgs84(), lat_a, lon_a, lat_b, lon_b)


def planar_distance(xy_a, xy_b) -> np.ndarray:
    """Euclidean distance in metres between planar points [..., 2] (UTM easting, northing).

    Written as sqrt(dx^2 + dy^2), like OriCNN's `RecallGeo.m`, so boundary cases (exactly 5 m)
    round the same way.
    """
    delta = np.asarray(xy_a, np.float64) - np.asarray(xy_b, np.float64)
    return np.sqrt(delta[..., 0] * delta[..., 0] + delta[..., 1] * delta[..., 1])


def yaw_difference(yaw_a, yaw_b) -> np.ndarray:
    """Absolute heading difference in degrees, wrapped to [0, 180] (CrossLocate `computeYawDistances`)."""
    difference = np.abs(np.mod(np.asarray(yaw_a, np.float64), 360.0) - np.mod(np.asarray(yaw_b, np.float64), 360.0))
    return np.minimum(difference, 360.0 - difference)


def planar_neighbours(xy_query, xy_reference, radius_m: float) -> list[np.ndarray]:
    """For each query point, the sorted reference indices with planar distance <= radius_m (inclusive).

    A k-d tree proposes candidates with a slightly larger radius; `planar_distance` decides, so the
    boundary follows the same arithmetic as a dense comparison.
    """
    xy_query = np.asarray(xy_query, np.float64).reshape(-1, 2)
    xy_reference = np.asarray(xy_reference, np.float64).reshape(-1, 2)
    if len(xy_reference) == 0:
        return [np.zeros(0, np.int64) for _ in range(len(xy_query))]
    tree = cKDTree(xy_reference)
    slack = radius_m * 1e-9 + 1e-9
    candidates = tree.query_ball_point(xy_query, r=radius_m + slack)
    neighbours = []
    for i, found in enumerate(candidates):
        found = np.asarray(sorted(found), np.int64)
        keep = planar_distance(xy_query[i], xy_reference[found]) <= radius_m
        neighbours.append(found[keep])
    return neighbours
