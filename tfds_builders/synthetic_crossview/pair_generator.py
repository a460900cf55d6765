"""Pairs of (ground panorama, aerial tile) for one split, deterministic from a seed.

Usable without TFDS: `for pair in generate_pairs(SceneSettings(), "test", 300)`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Iterator, NamedTuple

import numpy as np

from tfds_builders.synthetic_crossview import appearance, panorama, world

SPLITS = ("train", "test")
# Each split's world lies in its own region, 100 km east of the previous one.
REGION_SPACING_M = 100_000.0


@dataclasses.dataclass(frozen=True)
class SceneSettings:
    """What a dataset variant varies; see the README for the coordinate frame.

    seed: base seed; each split derives its world, cameras and captures from it.
    aerial_size: side S of the aerial tile in pixels (even).
    ground_size: (H, W) of the panorama in pixels.
    tile_metres: ground width of the aerial tile; metres per pixel = tile_metres / S.
    camera_height_m: eye height of the panorama camera.
    camera_jitter_m: standard deviation (east and north, clipped at 3 sigma) of the
      camera's distance from the tile centre, like a GPS error; `xy` is the tile centre.
    elevation_range_deg: (top, bottom) elevation of the panorama's top and bottom edges.
    random_heading: rotate each panorama by a random yaw (recorded) instead of north-aligning it.
    area_per_pair_m2: world area per pair; sets the world size and so how close neighbours are.
    season_change_prob: chance that a field parcel is recoloured in the panorama's capture.
    """

    seed: int = 0
    aerial_size: int = 128
    ground_size: tuple[int, int] = (64, 256)
    tile_metres: float = 64.0
    camera_height_m: float = 2.0
    camera_jitter_m: float = 1.5
    elevation_range_deg: tuple[float, float] = (30.0, -45.0)
    random_heading: bool = False
    area_per_pair_m2: float = 1000.0
    season_change_prob: float = appearance.SEASON_CHANGE_PROB

    @property
    def mpp(self) -> float:
        return self.tile_metres / self.aerial_size

    def validate(self) -> None:
        """Raise ValueError naming the setting that is out of range."""
        if self.aerial_size < 8 or self.aerial_size % 2:
            raise ValueError(f"aerial_size must be an even number >= 8, got {self.aerial_size}")
        if min(self.ground_size) < 4:
            raise ValueError(f"ground_size must be at least (4, 4), got {self.ground_size}")
        if not self.tile_metres > 0 or not self.camera_height_m > 0 or not self.area_per_pair_m2 > 0:
            raise ValueError("tile_metres, camera_height_m and area_per_pair_m2 must be positive, got "
                             f"{self.tile_metres}, {self.camera_height_m}, {self.area_per_pair_m2}")
        if self.camera_jitter_m < 0:
            raise ValueError(f"camera_jitter_m must be >= 0, got {self.camera_jitter_m}")


class Pair(NamedTuple):
    """One example: ids and metres as in the TFDS features."""

    id: str
    ground: np.ndarray   # uint8 [H, W, 3] RGB
    aerial: np.ndarray   # uint8 [S, S, 3] RGB, north up
    xy: np.ndarray       # float64 [2] east, north in metres
    yaw: float           # degrees, azimuth of the panorama's centre column


def _clear_offset(height_m: np.ndarray, mpp: float, offset_m: np.ndarray) -> np.ndarray:
    """Halve the camera offset until no object stands within 1 m of the camera."""
    s = height_m.shape[0]
    reach = int(np.ceil(1.0 / mpp))
    for _ in range(10):
        r = int(round((s - 1) / 2 - offset_m[1] / mpp))
        c = int(round((s - 1) / 2 + offset_m[0] / mpp))
        if not height_m[max(r - reach, 0):r + reach + 1, max(c - reach, 0):c + reach + 1].any():
            break
        offset_m = offset_m / 2
    else:
        offset_m = np.zeros(2)  # the tile centre itself is clear (world.sample_positions)
    return offset_m


def build_world(settings: SceneSettings, split: str, count: int) -> world.World:
    """The world of one split, large enough for `count` cameras plus a tile margin."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    settings.validate()
    s = SPLITS.index(split)
    side_m = max(math.sqrt(count * settings.area_per_pair_m2), 2 * settings.tile_metres) + settings.tile_metres
    side_px = int(math.ceil(side_m / settings.mpp))
    seed = int(np.random.SeedSequence([settings.seed, s]).generate_state(1)[0])
    return world.generate_world(seed, side_px, settings.mpp,
                                origin=(s * REGION_SPACING_M, side_px * settings.mpp))


def generate_pairs(settings: SceneSettings, split: str, count: int) -> Iterator[Pair]:
    """Yield `count` pairs of `split`; identical for identical arguments."""
    w = build_world(settings, split, count)
    s = SPLITS.index(split)
    half = settings.aerial_size // 2
    cams = world.sample_positions(w, count, half + 1, np.random.default_rng([settings.seed, s, 1]))
    for index, (r, c) in enumerate(cams):
        rng = np.random.default_rng([settings.seed, s, 2, index])
        yaw = float(np.float32(rng.uniform(0.0, 360.0))) if settings.random_heading else 0.0
        tile = (slice(r - half, r + half), slice(c - half, c + half))
        offset = _clear_offset(w.height[tile], settings.mpp,
                               np.clip(rng.normal(0.0, 1.0, 2), -3.0, 3.0) * settings.camera_jitter_m)
        ground, layer = panorama.render_panorama(
            appearance.change_season(w.albedo[tile], w.parcel[tile], rng, settings.season_change_prob), w.height[tile], w.side[tile],
            w.kind[tile], settings.mpp, settings.ground_size, yaw, settings.camera_height_m,
            settings.elevation_range_deg, (float(offset[0]), float(offset[1])))
        yield Pair(
            id=f"{split}_{index:06d}",
            ground=appearance.change_ground(ground, layer, yaw, settings.elevation_range_deg, rng),
            aerial=appearance.change_aerial(w.albedo[tile], w.height[tile], settings.mpp, rng),
            xy=np.array([w.origin[0] + c * settings.mpp, w.origin[1] - r * settings.mpp], np.float64),
            yaw=yaw,
        )
