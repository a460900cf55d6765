"""Views within a radius of each query, on the WGS84 ellipsoid or in a planar (UTM) frame.

The originals build dense query x database distance matrices (CrossLocate `precomputeLocationDistances*`),
infeasible at Uniform's 10.7 M views. Here a k-d tree over Earth-centred (ECEF) coordinates proposes
candidates: the straight chord between two points on the ellipsoid is never longer than the geodesic
between them, so every view within `radius` geodesic metres lies within `radius` chord metres, and
the candidate set is complete. The geodesic exceeds the chord by at most s^3 / (24 rho^2) (rho the
smallest radius of curvature of WGS84, s the geodesic), under 0.02 mm at 2 km: a candidate whose chord
is shorter than the radius by more than twice that is inside; only the few in that border band are
decided by the exact WGS84 geodesic (pyproj, Karney), inclusive at the radius as the originals' `<=`.
"""

import functools

import numpy as np
import pyproj
from scipy.spatial import cKDTree

from cvgeo.geometry.geodesy import planar_neighbours, wgs84_distance, yaw_difference

# WGS84's smallest radius of curvature: the meridian's at the equator, a (1 - e^2).
_MIN_CURVATURE_RADIUS_M = 6_378_137.0 * (1.0 - 0.00669437999014)


@functools.cache
def _to_ecef() -> pyproj.Transformer:
    # WGS84 geographic (lat, lon, ellipsoidal height) -> WGS84 Earth-centred Cartesian metres.
    return pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=False)


def ecef_coordinates(latlon: np.ndarray) -> np.ndarray:
    """[N, 2] (lat, lon) degrees on the ellipsoid's surface -> [N, 3] ECEF metres."""
    latlon = np.asarray(latlon, np.float64).reshape(-1, 2)
    x, y, z = _to_ecef().transform(latlon[:, 0], latlon[:, 1], np.zeros(len(latlon)))
    return np.stack([x, y, z], axis=1)


class GeoIndex:
    """A radius-query index over database positions: WGS84 `latlon` (degrees) or planar `xy` (metres)."""

    def __init__(self, *, latlon: np.ndarray | None = None, xy: np.ndarray | None = None):
        if (latlon is None) == (xy is None):
            raise ValueError("GeoIndex needs exactly one of latlon (WGS84 degrees) or xy (planar metres)")
        self.latlon = None if latlon is None else np.asarray(latlon, np.float64).reshape(-1, 2)
        self.xy = None if xy is None else np.asarray(xy, np.float64).reshape(-1, 2)
        if self.latlon is not None:
            self._tree = cKDTree(ecef_coordinates(self.latlon)) if len(self.latlon) else None

    def __len__(self) -> int:
        return len(self.latlon if self.latlon is not None else self.xy)

    def within(self, queries: np.ndarray, radius_m: float) -> list[np.ndarray]:
        """Per query position (same kind as the index), the sorted database indices within `radius_m`."""
        queries = np.asarray(queries, np.float64).reshape(-1, 2)
        if self.xy is not None:
            return planar_neighbours(queries, self.xy, radius_m)
        if self._tree is None:
            return [np.zeros(0, np.int64) for _ in range(len(queries))]
        # Chord <= geodesic: the tree's ball holds every true neighbour (plus a little slack for rounding).
        points = ecef_coordinates(queries)
        candidates = self._tree.query_ball_point(points, r=radius_m * (1 + 1e-9) + 1e-6)
        # Chords shorter than this are inside (geodesic - chord < half the band, with rounding slack).
        surely_inside = radius_m - radius_m**3 / (12.0 * _MIN_CURVATURE_RADIUS_M**2) - 1e-6
        result = []
        for query, point, found in zip(queries, points, candidates):
            found = np.sort(np.asarray(found, np.int64))
            delta = self._tree.data[found] - point
            border = np.einsum("ij,ij->i", delta, delta) > surely_inside * surely_inside
            keep = ~border
            band = found[border]
            keep[border] = wgs84_distance(query[0], query[1], self.latlon[band, 0], self.latlon[band, 1]) <= radius_m
            result.append(found[keep])
        return result

    def distances(self, query: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """Metres from one query position to the database views `indices`."""
        indices = np.asarray(indices, np.int64)
        if self.xy is not None:
            delta = self.xy[indices] - np.asarray(query, np.float64)
            return np.sqrt(delta[:, 0] * delta[:, 0] + delta[:, 1] * delta[:, 1])
        return wgs84_distance(query[0], query[1], self.latlon[indices, 0], self.latlon[indices, 1])


def positives_and_non_negatives(
    index: GeoIndex,
    query_positions: np.ndarray,
    query_yaw: np.ndarray | None,
    database_yaw: np.ndarray | None,
    *,
    positive_radius_m: float = 20.0,
    positive_yaw_deg: float | None = 15.0,
    non_negative_radius_m: float = 2000.0,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """CrossLocate `findPositiveDbIDs` / `findNonNegativeDbIDs` (spec 5.4), per query.

    Positives: within `positive_radius_m` and, with headings, a yaw difference <= `positive_yaw_deg`
    (both inclusive; mining uses 15 degrees, evaluation 30). Non-negatives: within `non_negative_radius_m`;
    every other view is a negative.
    """
    near = index.within(query_positions, non_negative_radius_m)
    positives = index.within(query_positions, positive_radius_m)
    if positive_yaw_deg is not None and query_yaw is not None and database_yaw is not None:
        database_yaw = np.asarray(database_yaw)
        positives = [
            candidates[yaw_difference(query_yaw[q], database_yaw[candidates]) <= positive_yaw_deg]
            for q, candidates in enumerate(positives)
        ]
    return positives, near
