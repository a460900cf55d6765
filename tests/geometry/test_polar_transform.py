import math

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.geometry.polar_transform import polar_sampling_grid, polar_transform, polar_transform_tf


def _oracle(image, height, width, grid=None):
    """Per-pixel loop written from the spec of SAFA's data_preparation.py (at `grid`'s (x, y) if given)."""
    size = image.shape[0]
    out = np.zeros((height, width, image.shape[2]))

    def pixel(r, c):
        if 0 <= r < size and 0 <= c < size:
            return image[r, c].astype(np.float64)
        return np.zeros(image.shape[2])

    for i in range(height):
        for j in range(width):
            radius = (size / 2) / height * (height - 1 - i)
            x = size / 2 + radius * math.cos(2 * math.pi * j / width)
            y = size / 2 - radius * math.sin(2 * math.pi * j / width)
            if grid is not None:
                x, y = float(grid[0][i, j]), float(grid[1][i, j])
            x0, y0 = int(x), int(y)
            x1, y1 = x0 + 1, y0 + 1
            along_x0 = (x1 - x) * pixel(x0, y0) + (x - x0) * pixel(x1, y0)
            along_x1 = (x1 - x) * pixel(x0, y1) + (x - x0) * pixel(x1, y1)
            out[i, j] = (y1 - y) * along_x0 + (y - y0) * along_x1
    return out


@pytest.mark.parametrize("size,height,width", [(20, 8, 24), (21, 7, 16), (16, 16, 40)])
def test_matches_per_pixel_oracle(size, height, width):
    image = np.random.default_rng(size).integers(0, 256, (size, size, 3), dtype=np.uint8)
    expected = _oracle(image, height, width)
    np.testing.assert_allclose(polar_transform(image, height, width), expected, atol=1e-9)
    single = polar_transform(image, height, width, dtype=np.float32)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, expected, atol=1e-4)
    np.testing.assert_allclose(polar_transform_tf(image, height, width).numpy(), expected, atol=1e-3)


def test_truncation_matches_the_original_on_flat_regions():
    # Toker et al. store the polar image with .astype(np.uint8). On flat regions the exact value is an
    # integer and the last rounding decides the stored byte, so the float64 path must round like
    # data_preparation.py: x first, then y, in float64. (A sum of the four corner-weight products, as
    # an earlier version computed, is 1 ulp low on ~4% of such pixels here.)
    patches = np.random.default_rng(7).integers(0, 256, (8, 8, 3))
    image = np.kron(patches, np.ones((6, 6, 1))).astype(np.uint8)
    # The oracle samples at the module's own grid: np.cos and math.cos may differ in the last bit on
    # some CPUs, and this test is about the arithmetic after the grid.
    expected = np.floor(_oracle(image, 24, 96, grid=polar_sampling_grid(48, 24, 96)))
    np.testing.assert_array_equal(np.floor(polar_transform(image, 24, 96)), expected)


def test_float32_zero_padding_and_batches():
    image = np.full((16, 16, 1), 100, np.uint8)
    polar = polar_transform(image, 16, 40, dtype=np.float32)
    assert polar[0, 0, 0] == pytest.approx(50) and polar.dtype == np.float32
    images = np.random.default_rng(3).integers(0, 256, (6, 12, 12, 2), dtype=np.uint8)
    np.testing.assert_array_equal(polar_transform(images[5], 5, 9), polar_transform(images, 5, 9)[5])
    with pytest.raises(ValueError, match="float32 or float64"):
        polar_transform(image, 4, 8, dtype=np.uint8)


def test_outer_ring_uses_zero_padding():
    # With S < 2H the outer ring passes beyond row S-1 (x = 8 + 8*15/16 = 15.5 for S=16, H=16): the
    # corner at row 16 = S lies outside and must count as zero (no clamping to the border).
    image = np.full((16, 16, 1), 100, np.uint8)
    polar = polar_transform(image, 16, 40)
    x, _ = polar_sampling_grid(16, 16, 40)
    assert x[0, 0] == pytest.approx(15.5)
    assert polar[0, 0, 0] == pytest.approx(50)  # half the weight on the zero row
    np.testing.assert_allclose(polar[-1], 100)
    assert polar_transform_tf(image, 16, 40).numpy()[0, 0, 0] == pytest.approx(50)
    # Float input (and a float32 computation) must not change the padding either.
    from_float = polar_transform(image.astype(np.float64), 16, 40, dtype=np.float32)
    np.testing.assert_allclose(from_float, polar, atol=1e-4)


def test_known_answer_on_ramps():
    # Bilinear interpolation of a linear ramp is exact, so the output reproduces the sampling grid.
    size, height, width = 64, 16, 32
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    image = np.stack([rows, cols], axis=-1).astype(np.float64)
    polar = polar_transform(image, height, width)
    radius = (size / 2) / height * (height - 1 - np.arange(height))[:, None]
    angle = 2 * np.pi * np.arange(width)[None, :] / width
    np.testing.assert_allclose(polar[..., 0], size / 2 + radius * np.cos(angle), atol=1e-9)
    np.testing.assert_allclose(polar[..., 1], size / 2 - radius * np.sin(angle), atol=1e-9)
    # Bottom row is the centre pixel (S/2, S/2); the centre column looks north (small row index).
    np.testing.assert_allclose(polar[-1, :, 0], size / 2)
    assert polar[0, width // 2, 0] == pytest.approx(2) and abs(polar[0, width // 2, 1] - size / 2) < 1e-9
    # Column W/4 looks west (small column index), 3W/4 east.
    assert polar[0, width // 4, 1] == pytest.approx(2) and polar[0, 3 * width // 4, 1] == pytest.approx(size - 2)


def test_cvusa_size_numpy_and_tf_agree_and_batch():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 750, 750, 3), dtype=np.uint8)
    single = polar_transform(images[1])
    assert single.shape == (112, 616, 3) and single.dtype == np.float64
    batch = polar_transform(images)
    np.testing.assert_array_equal(batch[1], single)
    tf_batch = polar_transform_tf(tf.constant(images)).numpy()
    assert tf_batch.shape == (2, 112, 616, 3) and tf_batch.dtype == np.float32
    assert np.abs(tf_batch - batch).max() < 1e-3
    # Spot-check against the oracle on the real size (a strip of rows keeps the loop short).
    expected = _oracle(images[0][::1], 112, 616)[::37]
    np.testing.assert_allclose(batch[0][::37], expected, atol=1e-9)


def test_tf_version_inside_dataset_map():
    image = np.random.default_rng(1).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    dataset = tf.data.Dataset.from_tensors(image).map(lambda x: polar_transform_tf(x, 6, 12))
    np.testing.assert_allclose(next(iter(dataset)).numpy(), polar_transform(image, 6, 12), atol=1e-3)


def test_tf_version_with_size_known_only_at_run_time():
    image = np.random.default_rng(2).integers(0, 256, (26, 26, 3), dtype=np.uint8)
    dynamic = tf.function(lambda x: polar_transform_tf(x, 5, 14), input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])
    np.testing.assert_allclose(dynamic(image).numpy(), polar_transform(image, 5, 14), atol=1e-3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        dynamic(np.zeros((26, 20, 3), np.uint8))


def test_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        polar_transform(np.zeros((10, 12, 3)))
