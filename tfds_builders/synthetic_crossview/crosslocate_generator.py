"""A CrossLocate-style task on the synthetic world: query photos against a database of rendered
semantic views at many positions and headings.

As CrossLocate (Tomešek et al., WACV 2022): the database holds, at each of a set of locations,
views rendered in 12 headings 30 degrees apart, in a rendered modality (here semantic segments:
sky, ground, road, building, tree, beyond the horizon, each a flat colour); a query is a photo
taken near some database location, in any heading, under its own capture conditions. Views are
cylindrical crops `fov_deg` wide of a panorama rendered at the position, centred on the heading.
Positions are WGS84 lat/lon and UTM zone 32N (the Alps' zone) from the world's metres via pyproj.

Usable without TFDS: `database, queries = generate_views(SceneSettings(...), "test", 100, 200)`.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import numpy as np
import pyproj

from tfds_builders.synthetic_crossview import appearance, panorama, world
from tfds_builders.synthetic_crossview.pair_generator import SPLITS, SceneSettings, build_world

HEADINGS = 12  # database views per location, 30 degrees apart (CrossLocate's Sparse database)
FOV_DEG = 60.0
QUERY_DISTANCE_M = 15.0  # a query is taken within this distance of its database location
_UTM_ORIGIN = (380_000.0, 5_100_000.0)  # UTM 32N easting / northing of the world's origin
_TO_LATLON = pyproj.Transformer.from_crs("EPSG:32632", "EPSG:4326", always_xy=True)
# Segment colours of the database renders.
_SKY, _GROUND, _ROAD, _BUILDING, _TREE, _BEYOND = (
    (70, 130, 180), (152, 251, 152), (128, 64, 128), (70, 70, 70), (107, 142, 35), (220, 220, 220)
)


class View(NamedTuple):
    id: str
    image: np.ndarray     # uint8 [H, W * fov / 360, 3] RGB
    utm: np.ndarray       # float64 [2] easting, northing
    latlon: np.ndarray    # float64 [2]
    yaw: float            # degrees clockwise from north of the view's centre


def view_width(settings: SceneSettings, fov_deg: float = FOV_DEG) -> int:
    """Columns of a view: the panorama's columns that `fov_deg` spans."""
    return int(round(settings.ground_size[1] * fov_deg / 360.0))


def crop_heading(pano: np.ndarray, fov_deg: float = FOV_DEG) -> np.ndarray:
    """The `fov_deg` wide window centred on a panorama's centre column (its heading)."""
    width = pano.shape[1]
    columns = int(round(width * fov_deg / 360.0))
    start = width // 2 - columns // 2
    return pano[:, start:start + columns]


def _segments(w: world.World, window) -> tuple[np.ndarray, np.ndarray]:
    """Flat segment colours of a tile's ground (roads apart) and of its object sides."""
    kind, parcel = w.kind[window], w.parcel[window]
    top = np.empty((*kind.shape, 3), np.uint8)
    top[...] = _GROUND
    top[(kind == world.GROUND) & (parcel < 0)] = _ROAD
    top[kind == world.BUILDING] = _BUILDING
    top[kind == world.TREE] = _TREE
    side = np.where((kind == world.TREE)[..., None], np.uint8(_TREE), np.uint8(_BUILDING)).astype(np.uint8)
    return top, side


def _render_segments(w: world.World, window, settings: SceneSettings, yaw: float, offset_m) -> np.ndarray:
    top, side = _segments(w, window)
    rgb, layer = panorama.render_panorama(
        top, w.height[window], side, w.kind[window], settings.mpp, settings.ground_size, yaw,
        settings.camera_height_m, settings.elevation_range_deg, offset_m,
    )
    # The renderer shades facades; a segment render is flat: each pixel takes its class's colour.
    palette = np.array([_GROUND, _ROAD, _BUILDING, _TREE], np.float32)
    nearest = np.argmin(((rgb[..., None, :].astype(np.float32) - palette) ** 2).sum(-1), axis=-1)
    out = palette[nearest].astype(np.uint8)
    out[layer == panorama.SKY] = _SKY
    out[layer == panorama.BEYOND] = _BEYOND
    return out


def _positions(w: world.World, rows, cols) -> tuple[np.ndarray, np.ndarray]:
    east = _UTM_ORIGIN[0] + w.origin[0] + np.asarray(cols, np.float64) * w.mpp
    north = _UTM_ORIGIN[1] + w.origin[1] - np.asarray(rows, np.float64) * w.mpp
    lon, lat = _TO_LATLON.transform(east, north)
    return np.stack([east, north], -1), np.stack([lat, lon], -1)


def generate_views(
    settings: SceneSettings, split: str, locations: int, queries: int
) -> tuple[Iterator[View], Iterator[View]]:
    """The database (`locations` x 12 rendered views) and the `queries` photos of `split`."""
    w = build_world(settings, split, locations)
    s, half = SPLITS.index(split), settings.aerial_size // 2
    places = world.sample_positions(w, locations, half + 1, np.random.default_rng([settings.seed, s, 6]))

    def window(row, col):
        return slice(row - half, row + half), slice(col - half, col + half)

    width = settings.ground_size[1]
    if width % HEADINGS:
        raise ValueError(f"the panorama width must be a multiple of {HEADINGS} (one column step per heading), got {width}")

    def database() -> Iterator[View]:
        for place, (row, col) in enumerate(places):
            utm, latlon = _positions(w, [row], [col])
            north_up = _render_segments(w, window(row, col), settings, 0.0, (0.0, 0.0))
            for heading in range(HEADINGS):
                # Rendered at yaw 0, the panorama's centre column looks north; rolling it by the
                # heading's columns centres the heading (column_azimuths).
                turned = np.roll(north_up, -heading * (width // HEADINGS), axis=1)
                yaw = heading * 360.0 / HEADINGS
                yield View(f"{split}_loc{place:05d}_v{heading:02d}", crop_heading(turned), utm[0], latlon[0], yaw)

    def photos() -> Iterator[View]:
        rng = np.random.default_rng([settings.seed, s, 7])
        for index in range(queries):
            row, col = places[rng.integers(len(places))]
            capture = np.random.default_rng([settings.seed, s, 8, index])
            # Off the database location by up to QUERY_DISTANCE_M, clear of objects (halved until clear).
            offset = capture.uniform(-1.0, 1.0, 2) * QUERY_DISTANCE_M / np.sqrt(2.0)
            for _ in range(10):
                r, c = int(round(row - offset[1] / w.mpp)), int(round(col + offset[0] / w.mpp))
                if not w.height[r - 1:r + 2, c - 1:c + 2].any():
                    break
                offset = offset / 2
            else:
                offset, r, c = np.zeros(2), row, col
            yaw = float(capture.uniform(0.0, 360.0))
            tile = window(row, col)
            offset_m = ((c - col) * w.mpp, (row - r) * w.mpp)  # east, north of the location
            ground, layer = panorama.render_panorama(
                appearance.change_season(w.albedo[tile], w.parcel[tile], capture, settings.season_change_prob),
                w.height[tile], w.side[tile], w.kind[tile], settings.mpp, settings.ground_size, yaw,
                settings.camera_height_m, settings.elevation_range_deg, offset_m,
            )
            photo = appearance.change_ground(ground, layer, yaw, settings.elevation_range_deg, capture)
            utm, latlon = _positions(w, [r], [c])
            yield View(f"{split}_query{index:05d}", crop_heading(photo), utm[0], latlon[0], yaw)

    return database(), photos()
