import math

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.geometry.grid_sample import grid_sample


def _oracle(images, grid):
    """Per-pixel loop: tent weights (1-|dx|)(1-|dy|) of the four neighbours, zero outside the image."""
    batch, height, width, channels = images.shape
    out = np.zeros(grid.shape[:3] + (channels,))
    for b in range(batch):
        for i in range(grid.shape[1]):
            for j in range(grid.shape[2]):
                x = ((float(grid[b, i, j, 0]) + 1) * width - 1) / 2  # align_corners=False
                y = ((float(grid[b, i, j, 1]) + 1) * height - 1) / 2
                if not (-2 < x < width + 1 and -2 < y < height + 1):
                    continue
                for row in (math.floor(y), math.floor(y) + 1):
                    for column in (math.floor(x), math.floor(x) + 1):
                        if 0 <= row < height and 0 <= column < width:
                            weight = (1 - abs(x - column)) * (1 - abs(y - row))
                            out[b, i, j] += weight * images[b, row, column]
    return out


def _grid_with_edge_cases(rng, batch, height, width, in_height, in_width):
    """Random positions in [-1.3, 1.3]^2 (some outside), then exact borders and pixel centres around the edges."""
    grid = rng.uniform(-1.3, 1.3, (batch, height, width, 2))
    centre_x = lambda c: (2 * c + 1) / in_width - 1
    centre_y = lambda r: (2 * r + 1) / in_height - 1
    special_x = [-1.0, 1.0, centre_x(-2), centre_x(-1), centre_x(0), centre_x(in_width - 1), centre_x(in_width),
                 centre_x(in_width + 1), 1e7, -1e7]
    special_y = [-1.0, 1.0, centre_y(-1), centre_y(0), centre_y(in_height - 1), centre_y(in_height),
                 0.0, 3.0, -1e7, 1e7]
    grid[0, 0, : len(special_x), 0] = special_x
    grid[0, 1, : len(special_y), 1] = special_y
    grid[1, 0, : len(special_x), 0] = special_x
    grid[1, 0, : len(special_y), 1] = special_y[::-1]
    return grid


@pytest.mark.parametrize("dtype, atol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_matches_per_pixel_oracle_including_out_of_range_and_borders(dtype, atol):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, 6, 9, 3))
    grid = _grid_with_edge_cases(rng, 2, 7, 11, 6, 9)
    result = grid_sample(images.astype(dtype), grid.astype(dtype))
    assert result.shape == (2, 7, 11, 3) and result.dtype == dtype
    np.testing.assert_allclose(result.numpy(), _oracle(images, grid), atol=atol)


def test_values_at_known_positions():
    image = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)  # value = 4 * row + column
    centre = lambda c, n: (2 * c + 1) / n - 1
    points = [
        (centre(1, 4), centre(2, 3)),  # pixel (2, 1) exactly: 9
        (centre(1.5, 4), centre(0.5, 3)),  # between four pixels: mean of 1, 2, 5, 6
        (-1.0, centre(0, 3)),  # left edge of pixel (0, 0): half of it, half of the zero outside
        (centre(3, 4), 1.0),  # bottom edge of pixel (2, 3): half of 11
        (centre(4, 4), centre(1, 3)),  # a whole pixel right of the image: 0
    ]
    grid = np.array(points, np.float32).reshape(1, 1, -1, 2)
    np.testing.assert_allclose(grid_sample(image, grid).numpy().ravel(), [9, 3.5, 0, 5.5, 0], atol=1e-5)


def test_eager_function_xla_and_dataset_map_agree():
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 255, (2, 8, 10, 3)).astype(np.float32)
    grid = _grid_with_edge_cases(rng, 2, 5, 12, 8, 10).astype(np.float32)
    eager = grid_sample(images, grid).numpy()
    traced = tf.function(grid_sample)(images, grid).numpy()
    compiled = tf.function(grid_sample, jit_compile=True)(images, grid).numpy()
    dynamic = tf.function(
        grid_sample, input_signature=[tf.TensorSpec([None, None, None, 3]), tf.TensorSpec([None, None, None, 2])]
    )(images, grid).numpy()
    mapped = next(iter(tf.data.Dataset.from_tensors((images, grid)).map(grid_sample))).numpy()
    # Graph optimisation may fuse multiply-adds, so the forms agree to float32 rounding, not bitwise.
    for result in (traced, compiled, dynamic, mapped):
        np.testing.assert_allclose(result, eager, rtol=1e-6, atol=1e-4)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    height, width = 4, 5
    images = tf.constant(rng.uniform(-1, 1, (2, height, width, 2)))
    # Pixel positions with fractional parts in [0.2, 0.8]: finite differences never cross a kink.
    # They reach one pixel beyond every edge, so partly and wholly outside positions are included.
    columns = rng.integers(-2, width + 1, (2, 3, 3)) + rng.uniform(0.2, 0.8, (2, 3, 3))
    rows = rng.integers(-2, height + 1, (2, 3, 3)) + rng.uniform(0.2, 0.8, (2, 3, 3))
    grid = tf.constant(np.stack([(2 * columns + 1) / width - 1, (2 * rows + 1) / height - 1], axis=-1))
    theoretical, numerical = tf.test.compute_gradient(grid_sample, [images, grid], delta=1e-4)
    for analytic, finite in zip(theoretical, numerical):
        assert np.abs(analytic).max() > 0.1
        np.testing.assert_allclose(analytic, finite, atol=1e-6)


def test_far_outside_is_zero_with_zero_gradient():
    images = tf.ones([1, 3, 3, 1])
    grid = tf.constant([[[[5.0, 0.0], [0.0, -1e30], [-1.5, 2.0]]]])
    with tf.GradientTape() as tape:
        tape.watch(grid)
        result = grid_sample(images, grid)
    np.testing.assert_array_equal(result.numpy(), 0)
    np.testing.assert_array_equal(tape.gradient(result, grid).numpy(), 0)


def test_half_precision_and_integer_inputs():
    images = np.random.default_rng(3).uniform(0, 1, (1, 4, 4, 2))
    grid = np.random.default_rng(4).uniform(-1, 1, (1, 3, 3, 2))
    half = grid_sample(tf.constant(images, tf.bfloat16), grid)
    assert half.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(half, tf.float32).numpy(), _oracle(images, grid), atol=1e-2)
    with pytest.raises(ValueError, match="floating-point"):
        grid_sample(tf.zeros([1, 4, 4, 1], tf.uint8), grid)


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    images = rng.uniform(-1, 1, (2, 6, 9, 3))
    grid = _grid_with_edge_cases(rng, 2, 7, 11, 6, 9)
    expected = torch.nn.functional.grid_sample(
        torch.from_numpy(images).permute(0, 3, 1, 2), torch.from_numpy(grid),
        mode="bilinear", padding_mode="zeros", align_corners=False,
    ).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(grid_sample(images, grid).numpy(), expected, atol=1e-10)
