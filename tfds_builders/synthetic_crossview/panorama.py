"""Render an equirectangular ground panorama from an aerial tile and its height map.

Geometry (the frame the README documents):
- The camera stands camera_height_m above the ground at the tile centre, the
  point shared by the four central pixels: array coordinate ((S-1)/2, (S-1)/2)
  when pixel centres sit at integers (moved by offset_m when given).
- Column j looks along azimuth az_j = yaw + 360*j/W - 180 degrees, clockwise
  from north. With yaw = 0 (north-aligned, as CVUSA) column 0 looks south,
  W/4 west, W/2 north and 3W/4 east, the column order of the SAFA polar
  transform (SAFA `script/data_preparation.py`).
- Row i looks at elevation el_i = top - (i + 0.5) * (top - bottom) / H degrees.
  A ground point at distance d is seen at el = -atan(h_cam / d); an object of
  height h at distance d rises up to el = atan((h - h_cam) / d).

Each column is ray-marched against the height map front to back (one sample
every half aerial pixel out to the inscribed circle of the tile); the first
sample whose object top is above the ray is what the pixel sees. Ground that
no object hides is sampled exactly with cv2.remap. Below-horizon rays that
reach no ground inside the tile are marked BEYOND.
"""

from __future__ import annotations

import cv2
import numpy as np

from tfds_builders.synthetic_crossview import world

# Layer labels of the returned panorama.
SKY, GROUND, OBJECT, BEYOND = 0, 1, 2, 3

STOREY_M = 3.0  # window bands on facades repeat every storey


def column_azimuths(width: int, yaw_deg: float) -> np.ndarray:
    """Azimuth in degrees (clockwise from north) of each panorama column, [W] float64."""
    return yaw_deg + np.arange(width) * (360.0 / width) - 180.0


def row_elevations(height: int, top_deg: float, bottom_deg: float) -> np.ndarray:
    """Elevation in degrees (up positive) of each panorama row centre, [H] float64."""
    return top_deg - (np.arange(height) + 0.5) * ((top_deg - bottom_deg) / height)


def render_panorama(
    albedo: np.ndarray,
    height_m: np.ndarray,
    side: np.ndarray,
    kind: np.ndarray,
    mpp: float,
    size: tuple[int, int],
    yaw_deg: float = 0.0,
    camera_height_m: float = 2.0,
    elevation_range_deg: tuple[float, float] = (30.0, -45.0),
    offset_m: tuple[float, float] = (0.0, 0.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Render the panorama seen from the centre of a square tile.

    Args:
      albedo: uint8 [S, S, 3] aerial colours (north up).
      height_m: float32 [S, S] object heights in metres (0 = ground).
      side: uint8 [S, S, 3] colours of object sides seen from the ground.
      kind: uint8 [S, S] world.GROUND / BUILDING / TREE.
      mpp: metres per aerial pixel.
      size: (H, W) of the panorama.
      yaw_deg: azimuth of the centre column (0 = north-aligned).
      camera_height_m: eye height above the ground.
      elevation_range_deg: (top, bottom) elevation of the top and bottom image edges.
      offset_m: (east, north) metres of the camera from the tile centre, e.g. a GPS error.

    Returns:
      rgb uint8 [H, W, 3] and layer uint8 [H, W] (SKY, GROUND, OBJECT, BEYOND).
    """
    s = albedo.shape[0]
    h_out, w_out = size
    top, bottom = elevation_range_deg
    if not top > 0.0 > bottom:
        raise ValueError(f"elevation_range_deg must straddle the horizon (top > 0 > bottom), got {elevation_range_deg}")
    centre_r = (s - 1) / 2.0 - offset_m[1] / mpp
    centre_c = (s - 1) / 2.0 + offset_m[0] / mpp
    radius_m = s / 2.0 * mpp
    step_m = mpp / 2.0
    n_steps = int(round(radius_m / step_m))
    dist = (np.arange(n_steps) + 1) * step_m                                    # [K]
    az = np.deg2rad(column_azimuths(w_out, yaw_deg))                            # [W]
    tan_el = np.tan(np.deg2rad(row_elevations(h_out, top, bottom)))             # [H]

    # Nearest aerial pixel of every march sample, [W, K].
    east, north = np.sin(az)[:, None] * dist, np.cos(az)[:, None] * dist
    rows = np.clip(np.rint(centre_r - north / mpp), 0, s - 1).astype(np.intp)
    cols = np.clip(np.rint(centre_c + east / mpp), 0, s - 1).astype(np.intp)
    obj_h = height_m[rows, cols]
    # Elevation tangent of each sample's top; the running maximum is what hides rays.
    top_tan = np.maximum.accumulate((obj_h - camera_height_m) / dist, axis=1)

    # First sample whose running top reaches each row's tangent: one batched searchsorted,
    # with every column's (clipped) values shifted into its own disjoint interval.
    bound = float(np.abs(tan_el).max()) + 1.0
    shift = (4.0 * bound) * np.arange(w_out)[:, None]
    keys = (np.clip(top_tan, -bound, bound) + shift).ravel()
    queries = (tan_el[None, :] + shift).ravel()
    hit = (np.searchsorted(keys, queries, side="left").reshape(w_out, h_out)
           - np.arange(w_out)[:, None] * n_steps).T                            # [H, W], K = no hit
    found = hit < n_steps
    k = np.minimum(hit, n_steps - 1)
    jj = np.broadcast_to(np.arange(w_out)[None, :], k.shape)
    hit_r, hit_c = rows[jj, k], cols[jj, k]
    is_object = found & (obj_h[jj, k] > 0.0)
    below = np.broadcast_to(tan_el[:, None] < 0.0, k.shape)

    layer = np.full((h_out, w_out), SKY, np.uint8)
    layer[below] = BEYOND
    layer[below & found] = GROUND
    layer[is_object] = OBJECT

    # Ground: exact intersection of each below-horizon ray with the plane, clamped to the tile circle.
    ground_d = np.minimum(camera_height_m / np.maximum(-tan_el, 1e-9), radius_m)[:, None]
    map_x = (centre_c + np.sin(az)[None, :] * ground_d / mpp).astype(np.float32)
    map_y = (centre_r - np.cos(az)[None, :] * ground_d / mpp).astype(np.float32)
    rgb = cv2.remap(albedo, np.broadcast_to(map_x, (h_out, w_out)).copy(),
                    np.broadcast_to(map_y, (h_out, w_out)).copy(),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)

    # Sky: brighter towards the horizon.
    el01 = np.clip(np.rad2deg(np.arctan(tan_el)) / max(top, 1e-9), 0.0, 1.0)[:, None, None]
    sky = (1.0 - el01) * np.array([200, 215, 230], np.float32) + el01 * np.array([90, 140, 215], np.float32)
    rgb = np.where((layer == SKY)[..., None], np.broadcast_to(sky, rgb.shape), rgb)

    # Objects: side colour; facades get a darker window band on every storey.
    colour = side[hit_r, hit_c].astype(np.float32)
    z = camera_height_m + dist[k] * tan_el[:, None]
    storey = np.mod(z, STOREY_M) / STOREY_M
    window = ((kind[hit_r, hit_c] == world.BUILDING) & (storey > 0.4) & (storey < 0.75)
              & (z < obj_h[jj, k] - 0.6))
    colour *= np.where(window, 0.55, 1.0)[..., None]
    rgb = np.where(is_object[..., None], colour, rgb)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8), layer
