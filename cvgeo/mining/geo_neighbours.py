"""Views within a radius of each query, on the WGS84 ellipsoid or in a planar (UTM) frame.

The originals build dense query x database distance matrices (CrossLocate `precomputeLocationDistances*`),
infeasible at Uniform's 10.7 M views. Here a k-d tree over Earth-centred (ECEF) coordinates proposes
candidates: the straight chord between two points on the ellipsoid is never longer than the geodesic
between them, so every view within `radius` geodesic metres lies within `radius` chord metres, and
the candidate set is complete. Each candidate is then decided by the exact WGS84 geodesic (pyproj,
Karney), inclusive at the radius as the originals' `<=`.
"""

import functools

import numpy as np
import pyproj
from scipy.spatial import cKDTree

from cvgeo.geometry.geodesy import planar_neighbours, wgs84_distance, yaw_difference


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
        candidates = self._tree.query_ball_point(ecef_coordinates(queries), r=radius_m * (1 + 1e-9) + 1e-6)
        result = []
        for query, found in zip(queries, candidates):
            found = np.asarray(sorted(found), np.int64)
            metres = wgs84_distance(query[0], query[1], self.latlon[found, 0], self.latlon[found, 1])
            result.append(found[metres <= radius_m])
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
    positives = []
    for q, candidates in enumerate(near):
        metres = index.distances(np.asarray(query_positions, np.float64).reshape(-1, 2)[q], candidates)
        keep = metres <= positive_radius_m
        if positive_yaw_deg is not None and query_yaw is not None and database_yaw is not None:
            keep &= yaw_difference(query_yaw[q], np.asarray(database_yaw)[candidates]) <= positive_yaw_deg
        positives.append(candidates[keep])
    return positives, near
