import math

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.geometry.grid_sample import grid_sample
from cvgeo.geometry.tps_grid import tps_grid, tps_target_points


def _reference_grid(source_points, height, width, rows, cols, span):
    """WarBean's TPSGridGen re-derived: build L element by element, solve (not invert), evaluate per pixel."""
    ys = [-span + 2 * span * r / (rows - 1) for r in range(rows)]
    xs = [-span + 2 * span * c / (cols - 1) for c in range(cols)]
    target = [(x, y) for y in ys for x in xs]  # product over y then x, stored (x, y)
    n = len(target)

    def u(p, q):
        d2 = (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2
        return 0.5 * d2 * math.log(d2) if d2 > 0 else 0.0

    system = np.zeros((n + 3, n + 3))
    for i, p in enumerate(target):
        for j, q in enumerate(target):
            system[i, j] = u(p, q)
        system[i, n], system[n, i] = 1, 1
        system[i, n + 1], system[i, n + 2] = p
        system[n + 1, i], system[n + 2, i] = p
    grids = []
    for points in source_points:
        mapping = np.linalg.solve(system, np.concatenate([points, np.zeros((3, 2))]))
        grid = np.zeros((height, width, 2))
        for i in range(height):
            for j in range(width):
                t = (2 * j / (width - 1) - 1, 2 * i / (height - 1) - 1)
                row = [u(t, q) for q in target] + [1.0, t[0], t[1]]
                grid[i, j] = np.array(row) @ mapping
        grids.append(grid)
    return np.stack(grids)


def test_target_points_order_and_values():
    points = tps_target_points()
    assert points.shape == (60, 2)
    np.testing.assert_allclose(np.unique(points[:, 1]), [-0.9, -0.54, -0.18, 0.18, 0.54, 0.9], atol=1e-12)
    np.testing.assert_allclose(points[:10, 0], np.arange(-0.9, 0.91, 0.2), atol=1e-12)  # x inner
    np.testing.assert_allclose(points[:10, 1], -0.9)  # first row of control points: y = -0.9
    np.testing.assert_allclose(points[10], [-0.9, -0.54], atol=1e-12)  # y outer
    np.testing.assert_allclose(points[-1], [0.9, 0.9])
    expected = [[-0.5, -0.5], [0, -0.5], [0.5, -0.5], [-0.5, 0.5], [0, 0.5], [0.5, 0.5]]
    np.testing.assert_allclose(tps_target_points((2, 3), 0.5), expected)
    with pytest.raises(ValueError, match="2 x 2"):
        tps_target_points((1, 4))


@pytest.mark.parametrize("grid_shape, span, height, width", [((6, 10), 0.9, 9, 14), ((3, 4), 0.5, 7, 5)])
def test_matches_rederived_tps(grid_shape, span, height, width):
    rng = np.random.default_rng(sum(grid_shape))
    source = tps_target_points(grid_shape, span)[None] + rng.normal(0, 0.2, (2, grid_shape[0] * grid_shape[1], 2))
    expected = _reference_grid(source, height, width, *grid_shape, span)
    result = tps_grid(source.astype(np.float32), height, width, grid_shape, span)
    assert result.shape == (2, height, width, 2) and result.dtype == tf.float32
    np.testing.assert_allclose(result.numpy(), expected, atol=1e-4)
    np.testing.assert_allclose(tps_grid(source, height, width, grid_shape, span).numpy(), expected, atol=1e-9)


def test_identity_points_give_the_normalised_pixel_grid():
    # align_corners=True normalisation of the target pixels (TPSGridGen), not the pixel centres.
    grid = tps_grid(tps_target_points()[None].astype(np.float32), 112, 616).numpy()[0]
    columns, rows = np.meshgrid(np.arange(616), np.arange(112))
    np.testing.assert_allclose(grid[..., 0], 2 * columns / 615 - 1, atol=1e-5)
    np.testing.assert_allclose(grid[..., 1], 2 * rows / 111 - 1, atol=1e-5)


def test_a_displaced_control_point_moves_the_grid_near_it_only():
    # 101 x 21 output pixels put every control point of the 6 x 10 grid exactly on a pixel:
    # x = -0.9 + 0.2 c at column 1 + 2c, y = -0.9 + 0.36 r at row 5 + 18 r.
    target = tps_target_points()
    source = target.copy()
    moved = 2 * 10 + 3  # control row 2, column 3 -> pixel (41, 7)
    shift = np.array([0.05, -0.03])
    source[moved] += shift
    identity = tps_grid(target[None], 101, 21).numpy()[0]
    delta = tps_grid(source[None], 101, 21).numpy()[0] - identity
    at = lambda k: (5 + 18 * (k // 10), 1 + 2 * (k % 10))
    np.testing.assert_allclose(delta[at(moved)], shift, atol=1e-9)  # the TPS interpolates its points
    for k in range(60):
        if k != moved:
            np.testing.assert_allclose(delta[at(k)], 0, atol=1e-9)
    near = delta[41, 8]  # one pixel to the right: moves most of the way, in the same direction
    assert 0.5 < near[0] / shift[0] < 1 and 0.5 < near[1] / shift[1] < 1
    assert np.abs(delta[95, 19]).max() < 0.1 * np.abs(shift).max()  # far away: little movement


def test_gradient_reaches_the_points_and_in_function():
    images = tf.random.stateless_uniform([2, 16, 16, 3], seed=[0, 1])
    points = tf.constant(np.repeat(tps_target_points()[None], 2, axis=0) * 0.8, tf.float32)
    warp = tf.function(
        lambda p: grid_sample(images, tps_grid(p, 12, 20)), input_signature=[tf.TensorSpec([None, 60, 2])]
    )
    with tf.GradientTape() as tape:
        tape.watch(points)
        loss = tf.reduce_sum(warp(points) ** 2)
    gradient = tape.gradient(loss, points)
    assert gradient.shape == (2, 60, 2) and np.isfinite(gradient.numpy()).all()
    assert np.abs(gradient.numpy()).max() > 0
    np.testing.assert_allclose(warp(points).numpy(), grid_sample(images, tps_grid(points, 12, 20)).numpy(), atol=1e-5)


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\[B, 60, 2\]"):
        tps_grid(tf.zeros([1, 120]), 8, 8)
    with pytest.raises(ValueError, match="2 x 2 output"):
        tps_grid(tf.zeros([1, 60, 2]), 1, 8)
