import numpy as np
import pytest
import tensorflow as tf

from cvgeo.geometry.affine_grid import affine_grid
from cvgeo.geometry.grid_sample import grid_sample

IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def test_matches_numpy_formula():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(3, 2, 3))
    grid = affine_grid(theta, 5, 7).numpy()
    assert grid.shape == (3, 5, 7, 2) and grid.dtype == np.float64
    for b in range(3):
        for i in range(5):
            for j in range(7):
                base = np.array([(2 * j + 1) / 7 - 1, (2 * i + 1) / 5 - 1, 1.0])
                np.testing.assert_allclose(grid[b, i, j], theta[b] @ base, atol=1e-12)


@pytest.mark.parametrize("height, width", [(8, 16), (5, 7), (112, 616)])
def test_identity_reproduces_the_image(height, width):
    images = np.random.default_rng(1).uniform(0, 255, (2, height, width, 3))
    theta = np.array([IDENTITY, IDENTITY])
    warped = grid_sample(images, affine_grid(theta, height, width)).numpy()
    np.testing.assert_allclose(warped, images, rtol=0, atol=1e-9)
    warped32 = grid_sample(images.astype(np.float32), affine_grid(theta.astype(np.float32), height, width)).numpy()
    if height & (height - 1) == 0 and width & (width - 1) == 0:
        np.testing.assert_array_equal(warped32, images.astype(np.float32))  # every step is exact
    else:
        # float32 normalised coordinates place samples within ~W * 6e-8 pixels (4e-5 px at W = 616),
        # which on a 0..255 noise image moves values by up to ~0.01 (PyTorch does the same).
        np.testing.assert_allclose(warped32, images, rtol=0, atol=0.02)


def test_hand_computed_transforms():
    image = (np.arange(4)[None, :] + 10 * np.arange(4)[:, None]).astype(np.float64)[None, ..., None]  # 10 r + c
    # Horizontal flip: x -> -x maps the centre of column j onto the centre of column W-1-j.
    flip = grid_sample(image, affine_grid([[[-1.0, 0, 0], [0, 1, 0]]], 4, 4))
    np.testing.assert_allclose(flip.numpy(), image[:, :, ::-1], atol=1e-12)
    # Shift by one pixel (2/W in normalised x): column j shows column j+1, the last one the zero outside.
    shift = grid_sample(image, affine_grid([[[1.0, 0, 0.5], [0, 1, 0]]], 4, 4)).numpy()[0, ..., 0]
    np.testing.assert_allclose(shift, [[1, 2, 3, 0], [11, 12, 13, 0], [21, 22, 23, 0], [31, 32, 33, 0]], atol=1e-12)
    # Zoom by 2 about the centre: output centres -0.75..0.75 sample -0.375..0.375, i.e. pixel
    # coordinates ((x + 1) * 4 - 1) / 2 = 0.75, 1.25, 1.75, 2.25; bilinear on a ramp is exact.
    zoom = grid_sample(image, affine_grid([[[0.5, 0, 0], [0, 0.5, 0]]], 4, 4)).numpy()[0, ..., 0]
    coords = np.array([0.75, 1.25, 1.75, 2.25])
    np.testing.assert_allclose(zoom, 10 * coords[:, None] + coords[None, :], atol=1e-12)
    # Output size differs from the input: a 2 x 3 grid over the same square spans it at 2 x 3 centres.
    grid = affine_grid([IDENTITY], 2, 3).numpy()[0]
    np.testing.assert_allclose(grid[..., 0], [[-2 / 3, 0, 2 / 3]] * 2, atol=1e-7)
    np.testing.assert_allclose(grid[..., 1], [[-0.5] * 3, [0.5] * 3], atol=1e-7)


def test_in_function_and_dtype():
    theta = tf.constant([IDENTITY], tf.float32)
    grid = tf.function(lambda t: affine_grid(t, 3, 4), input_signature=[tf.TensorSpec([None, 2, 3])])(theta)
    assert grid.shape == (1, 3, 4, 2) and grid.dtype == tf.float32
    np.testing.assert_allclose(grid.numpy(), affine_grid(theta, 3, 4).numpy())
    with pytest.raises(ValueError, match=r"\[B, 2, 3\]"):
        affine_grid(tf.zeros([1, 6]), 3, 4)


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    theta = np.random.default_rng(2).normal(size=(2, 2, 3))
    expected = torch.nn.functional.affine_grid(torch.from_numpy(theta), (2, 1, 5, 7), align_corners=False).numpy()
    np.testing.assert_allclose(affine_grid(theta, 5, 7).numpy(), expected, atol=1e-12)
