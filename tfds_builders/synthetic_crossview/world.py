"""Procedural world: a north-up raster of land cover, roads, buildings and trees.

One world is generated per split from its own seed, so the splits come from
disjoint regions. Every sample of a split is a tile cut from the same world,
so neighbouring tiles overlap like consecutive street-view captures do.

Raster convention: array row r grows southwards, column c eastwards. Pixel
(r, c) covers east x in [x0 + c*mpp, x0 + (c+1)*mpp] and north y in
[y0 - (r+1)*mpp, y0 - r*mpp], where (x0, y0) is the world's north-west corner.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

# Object kinds stored in World.kind.
GROUND, BUILDING, TREE = 0, 1, 2

# Land-cover classes of the parcels and the chance of each.
_FIELD, _MEADOW, _SOIL, _FOREST, _RESIDENTIAL, _WATER = range(6)
_COVER_PROBS = np.array([0.33, 0.2, 0.1, 0.12, 0.2, 0.05])
_COVER_RGB = np.array([
    [170, 160, 70],    # field (crop stripes added below)
    [95, 140, 60],     # meadow
    [140, 105, 70],    # bare soil
    [60, 95, 45],      # forest floor
    [110, 135, 90],    # residential lawn
    [45, 85, 140],     # water
], np.float32)
_ROOF_RGB = np.array([
    [150, 60, 45], [120, 120, 125], [85, 85, 95], [170, 140, 110],
    [70, 90, 120], [190, 190, 185], [110, 70, 50],
], np.float32)
_PARCEL_M = 70.0       # mean parcel size
_ROAD_SPACING_M = 100.0  # mean distance between parallel roads


@dataclasses.dataclass(frozen=True)
class World:
    """Rasters of one world (all [H, W] or [H, W, 3], row = south, col = east).

    albedo: uint8 RGB seen from above (roofs, crowns, ground).
    height: float32 metres above the ground plane (0 on the ground).
    side: uint8 RGB of object sides (facades, foliage) seen from the ground.
    kind: uint8 GROUND / BUILDING / TREE.
    parcel: int32 field-parcel id of bare ground, -1 on roads and under objects.
    roads: float64 [R, 4] road segments (r0, c0, r1, c1) in pixels.
    road_width_px: float64 [R] road widths in pixels.
    origin: (x0, y0) metres of the north-west corner.
    mpp: metres per pixel.
    """

    albedo: np.ndarray
    height: np.ndarray
    side: np.ndarray
    kind: np.ndarray
    parcel: np.ndarray
    roads: np.ndarray
    road_width_px: np.ndarray
    origin: tuple[float, float]
    mpp: float


def _value_noise(rng: np.random.Generator, shape: tuple[int, int], cell_px: float) -> np.ndarray:
    """Smooth noise in [-1, 1] with features about cell_px pixels wide."""
    gh = int(np.ceil(shape[0] / cell_px)) + 3
    gw = int(np.ceil(shape[1] / cell_px)) + 3
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(gw * cell_px), int(gh * cell_px)), interpolation=cv2.INTER_CUBIC)
    o = int(cell_px)
    return np.clip(big[o:o + shape[0], o:o + shape[1]], -1.0, 1.0)


def _parcels(rng: np.random.Generator, shape: tuple[int, int], cell_px: float) -> np.ndarray:
    """Voronoi parcels of a jittered grid: int32 parcel id per pixel."""
    gh = int(np.ceil(shape[0] / cell_px)) + 1
    gw = int(np.ceil(shape[1] / cell_px)) + 1
    seeds_r = (np.arange(gh)[:, None] + rng.uniform(0.1, 0.9, (gh, gw))) * cell_px
    seeds_c = (np.arange(gw)[None, :] + rng.uniform(0.1, 0.9, (gh, gw))) * cell_px
    rows = np.arange(shape[0], dtype=np.float32)[:, None]
    cols = np.arange(shape[1], dtype=np.float32)[None, :]
    cell_r = np.minimum((rows // cell_px).astype(np.int32), gh - 1)
    cell_c = np.minimum((cols // cell_px).astype(np.int32), gw - 1)
    best = np.full(shape, np.inf, np.float32)
    label = np.zeros(shape, np.int32)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            nr = np.clip(cell_r + dr, 0, gh - 1)
            nc = np.clip(cell_c + dc, 0, gw - 1)
            d = (seeds_r[nr, nc] - rows) ** 2 + (seeds_c[nr, nc] - cols) ** 2
            closer = d < best
            best = np.where(closer, d, best)
            label = np.where(closer, nr * gw + nc, label)
    return label


def _road_segments(rng: np.random.Generator, side_px: int, mpp: float) -> np.ndarray:
    """Two families of roughly parallel roads crossing the world, plus diagonals."""
    segments = []
    spacing = _ROAD_SPACING_M / mpp
    for family_angle in (0.0, 90.0):
        pos = rng.uniform(0.2, 0.8) * spacing
        while pos < side_px:
            angle = np.deg2rad(family_angle + rng.normal(0.0, 8.0))
            # A line through (pos, pos) along `angle` (clockwise from north, i.e. from -row).
            d_r, d_c = -np.cos(angle), np.sin(angle)
            if family_angle == 0.0:
                centre = (side_px / 2, pos)
            else:
                centre = (pos, side_px / 2)
            half = side_px * 1.5
            segments.append((centre[0] - half * d_r, centre[1] - half * d_c,
                             centre[0] + half * d_r, centre[1] + half * d_c))
            pos += spacing * rng.uniform(0.6, 1.4)
    for _ in range(max(1, int(side_px * mpp // 500))):
        r0, c0 = rng.uniform(0, side_px, 2)
        angle = rng.uniform(0, np.pi)
        half = side_px * 1.5
        segments.append((r0 - half * np.cos(angle), c0 - half * np.sin(angle),
                         r0 + half * np.cos(angle), c0 + half * np.sin(angle)))
    return np.asarray(segments, np.float64)


def _clip_segment(seg: np.ndarray, side_px: int) -> np.ndarray | None:
    """Clip a segment to the world square (Liang-Barsky); None when outside."""
    r0, c0, r1, c1 = seg
    dr, dc = r1 - r0, c1 - c0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dr, r0), (dr, side_px - 1 - r0), (-dc, c0), (dc, side_px - 1 - c0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    if t0 >= t1:
        return None
    return np.array([r0 + t0 * dr, c0 + t0 * dc, r0 + t1 * dr, c0 + t1 * dc])


def _fill(raster: np.ndarray, poly_rc: np.ndarray, value) -> None:
    """Fill a polygon given in (row, col) pixel coordinates, anti-aliasing off."""
    pts = np.round(poly_rc[:, ::-1] * 16).astype(np.int32)  # cv2 wants (x=col, y=row), 4 fractional bits
    cv2.fillPoly(raster, [pts], value, lineType=cv2.LINE_8, shift=4)


def _place_buildings(rng, cover, occupied, albedo, height, side, kind, roads, widths, mpp):
    """Rows of buildings set back from both sides of every road."""
    side_px = cover.shape[0]
    place_prob = {_FIELD: 0.12, _MEADOW: 0.2, _SOIL: 0.1, _FOREST: 0.05, _RESIDENTIAL: 0.9, _WATER: 0.0}
    for (r0, c0, r1, c1), width in zip(roads, widths):
        length = np.hypot(r1 - r0, c1 - c0)
        u = np.array([r1 - r0, c1 - c0]) / length   # along the road
        n = np.array([-u[1], u[0]])                 # across the road
        t = rng.uniform(0, 20) / mpp
        while t < length:
            depth = rng.uniform(8, 16) / mpp
            front = rng.uniform(8, 18) / mpp
            for sgn in (-1.0, 1.0):
                setback = width / 2 + rng.uniform(3, 9) / mpp
                centre = np.array([r0, c0]) + u * (t + front / 2) + n * sgn * (setback + depth / 2)
                ci, cj = int(centre[0]), int(centre[1])
                if not (0 <= ci < side_px and 0 <= cj < side_px):
                    continue
                if rng.random() > place_prob[int(cover[ci, cj])]:
                    continue
                corners = np.array([centre + a * u * front / 2 + b * n * depth / 2
                                    for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
                probe = np.vstack([corners, centre[None]]).round().astype(int)
                if (probe < 0).any() or (probe >= side_px).any() or occupied[probe[:, 0], probe[:, 1]].any():
                    continue
                storeys = rng.choice([1, 2, 2, 3, 4, 6], p=[0.2, 0.3, 0.2, 0.15, 0.1, 0.05])
                h = storeys * 3.0 + rng.uniform(0.5, 2.5)
                roof = _ROOF_RGB[rng.integers(len(_ROOF_RGB))] * rng.uniform(0.85, 1.15)
                facade = 0.55 * roof + 0.45 * rng.uniform(150, 230) * np.ones(3)
                _fill(height, corners, float(h))
                _fill(kind, corners, BUILDING)
                _fill(side, corners, tuple(float(v) for v in np.clip(facade, 0, 255)))
                _fill(occupied, corners, 1)
                # Gable roof: the half on one side of the ridge is darker.
                _fill(albedo, corners, tuple(float(v) for v in np.clip(roof, 0, 255)))
                half = np.array([corners[0], corners[1], (corners[1] + corners[2]) / 2,
                                 (corners[0] + corners[3]) / 2])
                _fill(albedo, half, tuple(float(v) for v in np.clip(roof * 0.78, 0, 255)))
            t += front + rng.uniform(3, 25) / mpp


def _place_trees(rng, cover, occupied, albedo, height, side, kind, mpp):
    """Dome-shaped trees: dense in forests, scattered elsewhere."""
    side_px = cover.shape[0]
    area_m2 = (side_px * mpp) ** 2
    count = rng.poisson(area_m2 / 60.0)
    rc = rng.uniform(0, side_px, (count, 2))
    density = np.array([0.02, 0.08, 0.03, 1.0, 0.25, 0.0])  # keep probability per cover class
    cls = cover[rc[:, 0].astype(int), rc[:, 1].astype(int)]
    rc = rc[rng.random(count) < density[cls]]
    for r, c in rc:
        if occupied[int(r), int(c)]:
            continue
        radius = rng.uniform(1.5, 4.0) / mpp
        h_top = rng.uniform(3.5, 10.0)
        r_lo, r_hi = max(int(r - radius), 0), min(int(r + radius) + 2, side_px)
        c_lo, c_hi = max(int(c - radius), 0), min(int(c + radius) + 2, side_px)
        rr = np.arange(r_lo, r_hi)[:, None] + 0.5 - r
        cc = np.arange(c_lo, c_hi)[None, :] + 0.5 - c
        q = 1.0 - (rr ** 2 + cc ** 2) / radius ** 2
        dome = np.where(q > 0, h_top * np.sqrt(np.maximum(q, 0.0)), 0.0).astype(np.float32)
        patch_occ = occupied[r_lo:r_hi, c_lo:c_hi]
        on = (dome > height[r_lo:r_hi, c_lo:c_hi]) & ((patch_occ == 0) | (kind[r_lo:r_hi, c_lo:c_hi] == TREE))
        if not on.any():
            continue
        leaf = np.array([55, 100, 40], np.float32) * rng.uniform(0.75, 1.25, 3)
        shade = (0.7 + 0.45 * np.sqrt(np.maximum(q, 0.0)))[..., None]
        height[r_lo:r_hi, c_lo:c_hi][on] = dome[on]
        kind[r_lo:r_hi, c_lo:c_hi][on] = TREE
        albedo[r_lo:r_hi, c_lo:c_hi][on] = np.clip(leaf * shade, 0, 255)[on]
        side[r_lo:r_hi, c_lo:c_hi][on] = np.clip(leaf * 0.85, 0, 255)
        occupied[r_lo:r_hi, c_lo:c_hi][on] = 1


def generate_world(seed: int, side_px: int, mpp: float, origin: tuple[float, float]) -> World:
    """Generate a square world side_px pixels wide at mpp metres per pixel.

    Deterministic in (seed, side_px, mpp). Roughly: Voronoi parcels with a land
    cover each (crop fields with stripes, meadow, soil, forest, residential,
    water), a road network, buildings set back along the roads and trees.
    """
    rng = np.random.default_rng(seed)
    shape = (side_px, side_px)
    # Parcels are found at half resolution (4x faster); 2-pixel steps on their borders are invisible.
    half_side = (side_px + 1) // 2
    parcel = _parcels(rng, (half_side, half_side), _PARCEL_M / mpp / 2)
    parcel = np.repeat(np.repeat(parcel, 2, axis=0), 2, axis=1)[:side_px, :side_px]
    n_parcels = int(parcel.max()) + 1
    parcel_cover = rng.choice(len(_COVER_PROBS), n_parcels, p=_COVER_PROBS)
    cover = parcel_cover[parcel].astype(np.uint8)

    # Ground albedo: class colour varied per parcel, field stripes, two noise octaves.
    tint = rng.uniform(0.8, 1.2, (n_parcels, 3)).astype(np.float32)
    crop_hue = rng.uniform(-1, 1, n_parcels).astype(np.float32)
    base = _COVER_RGB[parcel_cover] * tint
    base[parcel_cover == _FIELD] += crop_hue[parcel_cover == _FIELD, None] * np.array([35, 40, -10], np.float32)
    albedo = base[parcel]
    rows = np.arange(side_px, dtype=np.float32)[:, None] * mpp
    cols = np.arange(side_px, dtype=np.float32)[None, :] * mpp
    phi = rng.uniform(0, np.pi, n_parcels).astype(np.float32)
    period = rng.uniform(2.0, 6.0, n_parcels).astype(np.float32)
    p_phi, p_period = phi[parcel], period[parcel]
    stripes = np.sin(2 * np.pi * (rows * np.cos(p_phi) + cols * np.sin(p_phi)) / p_period)
    albedo *= (1.0 + np.where(cover == _FIELD, 0.12, 0.0) * stripes)[..., None]
    noise = 0.10 * _value_noise(rng, shape, 12.0 / mpp) + 0.05 * _value_noise(rng, shape, 2.0 / mpp)
    albedo *= (1.0 + noise)[..., None]
    albedo += rng.normal(0.0, 4.0, albedo.shape).astype(np.float32)
    albedo = np.clip(albedo, 0, 255).astype(np.uint8)

    height = np.zeros(shape, np.float32)
    kind = np.zeros(shape, np.uint8)
    side = np.zeros(shape + (3,), np.uint8)
    occupied = (cover == _WATER).astype(np.uint8)

    # Roads: asphalt over everything, with a faint centre line.
    roads, widths = [], []
    road_mask = np.zeros(shape, np.uint8)
    for seg in _road_segments(rng, side_px, mpp):
        clipped = _clip_segment(seg, side_px)
        if clipped is None or np.hypot(clipped[2] - clipped[0], clipped[3] - clipped[1]) < 10:
            continue
        width = rng.uniform(5.0, 9.0) / mpp
        p0 = tuple(int(v) for v in np.round(clipped[[1, 0]]))
        p1 = tuple(int(v) for v in np.round(clipped[[3, 2]]))
        cv2.line(road_mask, p0, p1, 1, max(1, int(round(width))))
        roads.append(clipped)
        widths.append(width)
    asphalt = (np.array([92, 92, 96], np.float32) * (1.0 + 0.5 * noise)[..., None]).clip(0, 255).astype(np.uint8)
    albedo[road_mask > 0] = asphalt[road_mask > 0]
    line_mask = np.zeros(shape, np.uint8)
    for (r0, c0, r1, c1) in roads:
        cv2.line(line_mask, (int(c0), int(r0)), (int(c1), int(r1)), 1, max(1, int(round(0.3 / mpp))))
    albedo[line_mask > 0] = (165, 162, 150)
    occupied |= road_mask

    roads_arr = np.asarray(roads, np.float64).reshape(-1, 4)
    widths_arr = np.asarray(widths, np.float64)
    _place_buildings(rng, cover, occupied, albedo, height, side, kind, roads_arr, widths_arr, mpp)
    _place_trees(rng, cover, occupied, albedo, height, side, kind, mpp)
    parcel = np.where((road_mask > 0) | (kind != GROUND), -1, parcel).astype(np.int32)
    return World(albedo=albedo, height=height, side=side, kind=kind, parcel=parcel, roads=roads_arr,
                 road_width_px=widths_arr, origin=origin, mpp=mpp)


def sample_positions(world: World, count: int, margin_px: int, rng: np.random.Generator) -> np.ndarray:
    """Camera positions as int pixel corners [count, 2] (row, col), along the roads.

    Like street-view captures they lie on or beside the roads, at random places
    along them, so some neighbours are a few metres apart. A position is refused
    if an object stands within 2 m or its tile of margin_px half-width would
    leave the world.
    """
    side_px = world.height.shape[0]
    clearance = max(1, int(np.ceil(2.0 / world.mpp)))
    blocked = cv2.dilate((world.height > 0).astype(np.uint8), np.ones((2 * clearance + 1,) * 2, np.uint8))
    lengths = np.hypot(world.roads[:, 2] - world.roads[:, 0], world.roads[:, 3] - world.roads[:, 1])
    out = np.empty((count, 2), np.int64)
    found = 0
    for _ in range(count * 200):
        if found == count:
            break
        i = rng.choice(len(lengths), p=lengths / lengths.sum())
        r0, c0, r1, c1 = world.roads[i]
        t = rng.random()
        u = np.array([r1 - r0, c1 - c0]) / lengths[i]
        off = rng.uniform(-0.5, 0.5) * world.road_width_px[i]
        if rng.random() < 0.25:  # a quarter of the captures are off the road
            off = np.sign(off) * (world.road_width_px[i] / 2 + rng.uniform(0, 12.0 / world.mpp))
        p = np.array([r0 + t * (r1 - r0), c0 + t * (c1 - c0)]) + off * np.array([-u[1], u[0]])
        p = np.round(p).astype(np.int64)
        if (p < margin_px).any() or (p > side_px - margin_px).any():
            continue
        if blocked[min(p[0], side_px - 1), min(p[1], side_px - 1)] or blocked[p[0] - 1, p[1] - 1]:
            continue
        out[found] = p
        found += 1
    if found < count:
        raise ValueError(f"could only place {found} of {count} cameras; enlarge the world (area_per_pair_m2)")
    return out
