"""CrossLocate's meta structures: one dict per split listing the database views and the queries.

Fields (CrossLocate `core/Dataset.py`), for prefix `db` (database) and `q` (queries):
`<p>ImageFns` (file names relative to the image folder; they define the order every index refers
to), `<p>IDs`, `<p>PlaceNames`, `<p>WGS` (2 floats, degrees, order not fixed: see
`detect_wgs_order`), `<p>UTM` (easting, northing in metres), `<p>Elevations` (metres) and
`<p>CameraParams` ([yaw, pitch, roll, horizontal FOV], radians). Values may be lists or arrays.
"""

from dataclasses import dataclass

import numpy as np

from tfds_builders.crosslocate.safe_npy import load_meta
from tfds_builders.manual_layout import ManualLayoutError

REQUIRED = ("ImageFns", "WGS", "UTM", "CameraParams")  # IDs, PlaceNames and Elevations may be absent
WGS_ORDERS = ("latlon", "lonlat")

# The CrossLocate data covers the Alps: latitudes about 43.5-48.5 N, longitudes about 5-17 E
# (crosslocate spec 5.1), so the two columns' ranges do not overlap there.
_ALPS_LAT = (43.0, 49.0)
_ALPS_LON = (4.0, 18.0)


@dataclass(frozen=True)
class Views:
    """One side of a split (database views or queries), every array in file-name order."""

    file_names: list[str]
    ids: list[str]
    place_names: list[str]
    wgs: np.ndarray  # [N, 2] as stored (order per detect_wgs_order)
    utm: np.ndarray  # [N, 2] easting, northing
    elevations: np.ndarray  # [N]
    camera: np.ndarray  # [N, 4] yaw, pitch, roll, hfov (radians)

    def __len__(self) -> int:
        return len(self.file_names)


@dataclass(frozen=True)
class Meta:
    """A split's meta structure: its own database and its own queries (indices never cross splits)."""

    database: Views
    queries: Views


def _floats(meta: dict, key: str, columns: int | None, count: int, path: str) -> np.ndarray:
    try:
        array = np.asarray(meta[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise ManualLayoutError(f"crosslocate: {path}: field {key} is not numeric") from None
    expected = (count,) if columns is None else (count, columns)
    if count == 0:
        return np.zeros(expected)
    if array.shape != expected:
        raise ManualLayoutError(f"crosslocate: {path}: field {key} has shape {array.shape}, expected {expected}")
    return array


def _views(meta: dict, prefix: str, path: str) -> Views:
    missing = [prefix + key for key in REQUIRED if prefix + key not in meta]
    if missing:
        raise ManualLayoutError(
            f"crosslocate: {path}: meta dict lacks {', '.join(missing)} "
            f"(has {', '.join(sorted(map(str, meta)))})"
        )
    names = [str(name) for name in meta[prefix + "ImageFns"]]
    count = len(names)
    strings = {}
    for key, default in (("IDs", lambda i: str(i)), ("PlaceNames", lambda i: "")):
        values = meta.get(prefix + key)
        if values is None:
            strings[key] = [default(i) for i in range(count)]
        elif len(values) != count:
            raise ManualLayoutError(
                f"crosslocate: {path}: {prefix}{key} has {len(values)} entries, {prefix}ImageFns {count}"
            )
        else:
            strings[key] = [str(v) for v in values]
    elevations = (
        _floats(meta, prefix + "Elevations", None, count, path)
        if prefix + "Elevations" in meta else np.full(count, np.nan)
    )
    return Views(
        file_names=names,
        ids=strings["IDs"],
        place_names=strings["PlaceNames"],
        wgs=_floats(meta, prefix + "WGS", 2, count, path),
        utm=_floats(meta, prefix + "UTM", 2, count, path),
        elevations=elevations,
        camera=_floats(meta, prefix + "CameraParams", 4, count, path),
    )


def read_meta(path: str) -> Meta:
    """The validated meta structure in `path` (loaded with the safe loader, never plain pickle)."""
    meta = load_meta(path)
    return Meta(database=_views(meta, "db", path), queries=_views(meta, "q", path))


def detect_wgs_order(wgs: np.ndarray, where: str) -> str:
    """"latlon" or "lonlat": the column order of `wgs` [N, 2] (degrees), decided by value range.

    A column with a magnitude above 90 can only be longitude. Otherwise the Alps' ranges decide
    (latitude 43-49, longitude 4-18). CrossLocate's own distance code reads column 1 as latitude
    (`precomputeLocationDistancesWGS`), while third-party readers of the released files read
    column 0 as latitude, hence the check.

    Raises:
      ManualLayoutError: the values fit neither order, or both (pass wgs_order explicitly).
    """
    wgs = np.asarray(wgs, np.float64)
    if wgs.size == 0:
        return "latlon"
    if not np.all(np.isfinite(wgs)) or np.any(np.abs(wgs) > 180):
        raise ManualLayoutError(f"crosslocate: {where}: WGS values are not finite degrees in [-180, 180]")
    big = np.any(np.abs(wgs) > 90, axis=0)
    if big.all():
        raise ManualLayoutError(f"crosslocate: {where}: both WGS columns exceed 90 degrees; neither is a latitude")
    if big[0]:
        return "lonlat"
    if big[1]:
        return "latlon"

    def within(column: np.ndarray, bounds: tuple[float, float]) -> bool:
        return bool(np.all((column >= bounds[0]) & (column <= bounds[1])))

    if within(wgs[:, 0], _ALPS_LAT) and within(wgs[:, 1], _ALPS_LON):
        return "latlon"
    if within(wgs[:, 1], _ALPS_LAT) and within(wgs[:, 0], _ALPS_LON):
        return "lonlat"
    raise ManualLayoutError(
        f"crosslocate: {where}: cannot tell whether WGS columns are (lat, lon) or (lon, lat) from their "
        f"ranges (column 0: {wgs[:, 0].min():.4f}..{wgs[:, 0].max():.4f}, column 1: "
        f"{wgs[:, 1].min():.4f}..{wgs[:, 1].max():.4f}); build with wgs_order='latlon' or 'lonlat'"
    )


def latlon(wgs: np.ndarray, order: str) -> np.ndarray:
    """`wgs` [N, 2] reordered to (lat, lon)."""
    if order not in WGS_ORDERS:
        raise ValueError(f"wgs_order must be one of {WGS_ORDERS}, got {order!r}")
    return wgs if order == "latlon" else wgs[:, ::-1].copy()
