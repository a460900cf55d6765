"""Known-answer and oracle tests of the synthetic panorama renderer."""

import numpy as np
import pytest

from tfds_builders.synthetic_crossview import panorama, world

MPP = 0.5
S = 64                      # tile of 32 m, camera at array coordinate (31.5, 31.5)
TOP, BOTTOM = 30.0, -45.0
H, W = 64, 64               # 5.625 degrees per column: integer-column headings are exact in binary
CAM = 2.0


def _flat_tile():
    albedo = np.full((S, S, 3), 100, np.uint8)
    height = np.zeros((S, S), np.float32)
    side = np.zeros((S, S, 3), np.uint8)
    kind = np.zeros((S, S), np.uint8)
    return albedo, height, side, kind


def _pixels_at(east_m, north_m, size_m=1.0):
    """Index slices of the square of tile pixels centred east_m/north_m from the camera."""
    c0 = (S - 1) / 2 + east_m / MPP
    r0 = (S - 1) / 2 - north_m / MPP
    half = size_m / MPP / 2
    return slice(int(round(r0 - half + 0.5)), int(round(r0 + half + 0.5))), \
        slice(int(round(c0 - half + 0.5)), int(round(c0 + half + 0.5)))


def _render(tile, yaw=0.0, offset=(0.0, 0.0)):
    return panorama.render_panorama(*tile, MPP, (H, W), yaw, CAM, (TOP, BOTTOM), offset)


def _expected_row(distance_m):
    """Row whose centre looks at the ground distance_m away."""
    el = -np.degrees(np.arctan(CAM / distance_m))
    return (TOP - el) / (TOP - BOTTOM) * H - 0.5


def _red_centroid(rgb):
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 50)
    assert red.any(), "marker not visible"
    rows, cols = np.nonzero(red)
    return rows.mean(), cols.mean()


def test_marker_east_appears_at_azimuth_90_and_its_ground_distance():
    tile = _flat_tile()
    tile[0][_pixels_at(10.0, 0.0)] = (255, 0, 0)
    rgb, layer = _render(tile)
    row, col = _red_centroid(rgb)
    assert col == pytest.approx(3 * W / 4, abs=0.6)         # south 0, west W/4, north W/2, east 3W/4
    assert row == pytest.approx(_expected_row(10.0), abs=1.0)
    assert (layer[:int(H * TOP / (TOP - BOTTOM))] == panorama.SKY).all()


def test_marker_moves_with_distance_and_camera_offset():
    tile = _flat_tile()
    tile[0][_pixels_at(0.0, 4.0)] = (255, 0, 0)             # 4 m north
    row_near, col = _red_centroid(_render(tile)[0])
    assert col == pytest.approx(W / 2, abs=0.6)
    assert row_near == pytest.approx(_expected_row(4.0), abs=1.0)
    # Camera moved 2 m south: the marker is now 6 m away, higher in the image.
    row_far, col = _red_centroid(_render(tile, offset=(0.0, -2.0))[0])
    assert col == pytest.approx(W / 2, abs=0.6)
    assert row_far == pytest.approx(_expected_row(6.0), abs=1.0)
    assert row_far < row_near


def test_heading_rotates_columns():
    tile = _flat_tile()
    tile[0][_pixels_at(0.0, 10.0)] = (255, 0, 0)            # north
    _, col = _red_centroid(_render(tile, yaw=90.0)[0])       # centre column looks east
    assert col == pytest.approx(W / 2 - 90.0 / 360.0 * W, abs=0.6)


@pytest.mark.parametrize("m", [1, 5, 16, 40])
def test_heading_is_a_circular_shift_of_the_north_aligned_panorama(m):
    w = world.generate_world(3, 160, MPP, (0.0, 0.0))
    tile = tuple(a[40:40 + S, 50:50 + S] for a in (w.albedo, w.height, w.side, w.kind))
    north_rgb, north_layer = _render(tile)
    rgb, layer = _render(tile, yaw=m * 360.0 / W)
    # Not bit-equality: yaw + j*step and (j + m)*step differ in the last bit, and another CPU's
    # vectorised sin/cos may then put a rare sample across a pixel or class boundary.
    assert (rgb != np.roll(north_rgb, -m, axis=1)).any(axis=-1).mean() < 1e-3
    assert (layer != np.roll(north_layer, -m, axis=1)).mean() < 1e-3
    assert np.abs(rgb.astype(int) - np.roll(north_rgb, -m, axis=1)).mean() < 0.05


def _building_top_row(distance_m, height_m):
    tile = _flat_tile()
    rows, _ = _pixels_at(0.0, 0.0, size_m=4.0)
    cols = slice(int((S - 1) / 2 + 0.5 + distance_m / MPP), int((S - 1) / 2 + 0.5 + (distance_m + 2.0) / MPP))
    tile[1][rows, cols] = height_m
    tile[2][rows, cols] = (10, 200, 10)
    tile[3][rows, cols] = world.BUILDING
    rgb, layer = _render(tile)
    column = layer[:, 3 * W // 4]
    assert (column == panorama.OBJECT).any()
    return int(np.argmax(column == panorama.OBJECT)), rgb


@pytest.mark.parametrize("distance", [6.0, 14.0])
def test_building_top_is_at_the_elevation_of_its_near_face(distance):
    top_row, rgb = _building_top_row(distance, 4.0)
    el = TOP - (np.arange(H) + 0.5) * (TOP - BOTTOM) / H
    expected = int(np.argmax(np.tan(np.radians(el)) <= (4.0 - CAM) / distance))
    assert top_row == expected
    # A facade shows its own colour (darker in the window bands).
    facade = rgb[top_row:expected + 3, 3 * W // 4]
    assert (facade[:, 1] > facade[:, 0] + 40).all()


def test_building_looks_taller_when_closer():
    near, _ = _building_top_row(6.0, 4.0)
    far, _ = _building_top_row(14.0, 4.0)
    assert near < far


def _reference_render(albedo, height, side, kind, yaw):
    """Pixel-by-pixel ray march (the oracle): first sample whose top is above the ray."""
    centre = (S - 1) / 2
    step = MPP / 2
    n = int(round(S / 2 * MPP / step))
    layer = np.zeros((H, W), np.uint8)
    rgb = np.zeros((H, W, 3), np.float64)
    for j in range(W):
        az = np.radians(yaw + j * 360.0 / W - 180.0)
        for i in range(H):
            tan_el = np.tan(np.radians(TOP - (i + 0.5) * (TOP - BOTTOM) / H))
            hit = None
            for k in range(n):
                d = (k + 1) * step
                r = int(np.clip(np.rint(centre - d * np.cos(az) / MPP), 0, S - 1))
                c = int(np.clip(np.rint(centre + d * np.sin(az) / MPP), 0, S - 1))
                if (height[r, c] - CAM) / d >= tan_el:
                    hit = (d, r, c)
                    break
            if hit is not None and height[hit[1], hit[2]] > 0:
                d, r, c = hit
                z = CAM + d * tan_el
                frac = np.mod(z, panorama.STOREY_M) / panorama.STOREY_M
                dark = kind[r, c] == world.BUILDING and 0.4 < frac < 0.75 and z < height[r, c] - 0.6
                layer[i, j] = panorama.OBJECT
                rgb[i, j] = side[r, c] * (0.55 if dark else 1.0)
            elif tan_el < 0:
                layer[i, j] = panorama.GROUND if hit is not None else panorama.BEYOND
                dist = min(CAM / -tan_el, S / 2 * MPP) / MPP
                x, y = centre + dist * np.sin(az), centre - dist * np.cos(az)
                x0, y0 = int(np.floor(x)), int(np.floor(y))
                fx, fy = x - x0, y - y0
                pick = lambda rr, cc: albedo[min(max(rr, 0), S - 1), min(max(cc, 0), S - 1)].astype(float)  # noqa: E731
                rgb[i, j] = ((1 - fy) * ((1 - fx) * pick(y0, x0) + fx * pick(y0, x0 + 1))
                             + fy * ((1 - fx) * pick(y0 + 1, x0) + fx * pick(y0 + 1, x0 + 1)))
    return rgb, layer


def test_vectorised_render_matches_pixel_loop_oracle():
    w = world.generate_world(5, 200, MPP, (0.0, 0.0))
    # The densest 64-px tile in objects, so walls, trees and ground all occur.
    best = max(((r, c) for r in range(0, 136, 8) for c in range(0, 136, 8)),
               key=lambda rc: (w.height[rc[0]:rc[0] + S, rc[1]:rc[1] + S] > 0).mean())
    tile = tuple(a[best[0]:best[0] + S, best[1]:best[1] + S] for a in (w.albedo, w.height, w.side, w.kind))
    rgb, layer = _render(tile, yaw=17.0)
    ref_rgb, ref_layer = _reference_render(*tile, yaw=17.0)
    assert (layer == panorama.OBJECT).mean() > 0.02
    np.testing.assert_array_equal(layer, ref_layer)
    non_sky = layer != panorama.SKY
    # cv2.remap's fixed-point weights differ from float bilinear by at most a level or two.
    assert np.abs(rgb[non_sky].astype(float) - ref_rgb[non_sky]).max() <= 2.0


def test_elevation_range_must_straddle_the_horizon():
    with pytest.raises(ValueError, match="elevation_range_deg"):
        panorama.render_panorama(*_flat_tile(), MPP, (H, W), 0.0, CAM, (-5.0, -40.0))
