"""A VIGOR-style task on the synthetic world: a city gallery of overlapping tiles and panoramas
captured anywhere in it, each covered by one positive and three semi-positive tiles.

As VIGOR (Zhu et al., CVPR 2021): tiles are laid on a grid with half a tile's stride, so every
point lies in four tiles; the positive is the tile whose centre is nearest (the panorama falls in
its central quarter), the other three are semi-positives. Offsets follow VIGOR's label files: per
tile (d0, d1) in tile pixels, the panorama at row centre + d0 and column centre - d1
(`evaluate_from_npy.py`). Positions are WGS84 lat/lon: the world's planar metres are read as
UTM zone 10N eastings/northings (a region of San Francisco's zone), through pyproj.

Usable without TFDS: `tiles, panoramas = generate_city(SceneSettings(), "test", 300)`.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import numpy as np
import pyproj

from tfds_builders.synthetic_crossview import appearance, panorama, world
from tfds_builders.synthetic_crossview.pair_generator import SPLITS, SceneSettings, build_world

# Planar world metres -> UTM 10N: the world's origin sits at this easting / northing.
_UTM_ORIGIN = (540_000.0, 4_170_000.0)
_TO_LATLON = pyproj.Transformer.from_crs("EPSG:32610", "EPSG:4326", always_xy=True)
SEMI_POSITIVES = 3


class Tile(NamedTuple):
    id: str
    index: int
    aerial: np.ndarray   # uint8 [S, S, 3], north up
    latlon: np.ndarray   # float64 [2], the tile centre


class Panorama(NamedTuple):
    id: str
    ground: np.ndarray        # uint8 [H, W, 3], north-aligned
    latlon: np.ndarray        # float64 [2]
    tiles: np.ndarray         # int64 [4]: positive, then the semi-positives by distance
    deltas: np.ndarray        # float64 [4, 2]: VIGOR's (d0, d1) per tile, tile pixels


def latlon(world_: world.World, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """WGS84 (lat, lon) of pixel corners (row, col) of the world, [N, 2]."""
    east = _UTM_ORIGIN[0] + world_.origin[0] + np.asarray(cols, np.float64) * world_.mpp
    north = _UTM_ORIGIN[1] + world_.origin[1] - np.asarray(rows, np.float64) * world_.mpp
    lon, lat = _TO_LATLON.transform(east, north)
    return np.stack([lat, lon], axis=-1)


def tile_centres(side_px: int, size: int) -> np.ndarray:
    """Grid centres (pixel corners) per axis of tiles `size` wide at stride size / 2 within the world."""
    half = size // 2
    return np.arange(half, side_px - half + 1, half, dtype=np.int64)


def covering_tiles(position: np.ndarray, centres: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The four tiles holding `position` (row, col): grid (i, j) pairs [4, 2], positive first, and
    VIGOR's (d0, d1) offsets [4, 2]. The positive's centre is nearest on both axes; its neighbour
    towards the position on each axis makes the other three (a position on a centre takes the next)."""
    nearest = np.abs(centres[None, :] - position[:, None]).argmin(axis=1)
    towards = np.where(position >= centres[nearest], 1, -1)
    cells = [nearest, nearest + [towards[0], 0], nearest + [0, towards[1]], nearest + towards]
    cells = np.array(cells, np.int64)
    if (cells < 0).any() or (cells >= len(centres)).any():
        raise ValueError(f"position {position.tolist()} is not covered by four tiles of the grid")
    offsets = position[None, :] - centres[cells]  # (row, col) from each tile centre
    order = np.argsort(np.hypot(*offsets.T)[1:], kind="stable") + 1  # semi-positives by distance
    cells, offsets = cells[np.r_[0, order]], offsets[np.r_[0, order]]
    return cells, np.stack([offsets[:, 0], -offsets[:, 1]], axis=1).astype(np.float64)


def generate_city(settings: SceneSettings, split: str, count: int) -> tuple[Iterator[Tile], Iterator[Panorama]]:
    """The gallery and the `count` panoramas of `split`; identical for identical arguments."""
    w = build_world(settings, split, count)
    s, size, half = SPLITS.index(split), settings.aerial_size, settings.aerial_size // 2
    centres = tile_centres(w.height.shape[0], size)
    per_axis = len(centres)

    def tiles() -> Iterator[Tile]:
        for i, row in enumerate(centres):
            for j, col in enumerate(centres):
                index = i * per_axis + j
                rng = np.random.default_rng([settings.seed, s, 3, index])
                window = (slice(row - half, row + half), slice(col - half, col + half))
                position = latlon(w, np.array([row]), np.array([col]))[0]
                yield Tile(
                    id=f"satellite_{position[0]:.6f}_{position[1]:.6f}", index=index, latlon=position,
                    aerial=appearance.change_aerial(w.albedo[window], w.height[window], settings.mpp, rng),
                )

    def panoramas() -> Iterator[Panorama]:
        # The whole 2x2 block of tiles must exist around a camera: a margin of a tile's width.
        cameras = world.sample_positions(w, count, size, np.random.default_rng([settings.seed, s, 4]))
        for index, position in enumerate(cameras):
            rng = np.random.default_rng([settings.seed, s, 5, index])
            cells, deltas = covering_tiles(position, centres, size)
            row, col = centres[cells[0]]
            window = (slice(row - half, row + half), slice(col - half, col + half))
            offset_m = ((position[1] - col) * settings.mpp, (row - position[0]) * settings.mpp)  # east, north
            ground, layer = panorama.render_panorama(
                appearance.change_season(w.albedo[window], w.parcel[window], rng, settings.season_change_prob),
                w.height[window], w.side[window], w.kind[window], settings.mpp, settings.ground_size, 0.0,
                settings.camera_height_m, settings.elevation_range_deg, offset_m,
            )
            yield Panorama(
                id=f"{split}_{index:06d}",
                ground=appearance.change_ground(ground, layer, 0.0, settings.elevation_range_deg, rng),
                latlon=latlon(w, position[:1], position[1:])[0],
                tiles=cells[:, 0] * per_axis + cells[:, 1], deltas=deltas,
            )

    return tiles(), panoramas()
