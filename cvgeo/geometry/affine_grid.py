"""Sampling grids of 2-D affine transforms, for `grid_sample`.

The affine spatial transformer of Realistic-Cross-View-Image-Geo-Localization
(`networks/spatial_transf.py`) builds its grid with PyTorch's
`F.affine_grid(theta, (B, C, 112, 616), align_corners=False)`; this is that operation with the grid
laid out NHWC.
"""

import tensorflow as tf


def _pixel_centres(count: int, dtype: tf.DType) -> tf.Tensor:
    """Normalised centres (2k + 1)/n - 1 of n pixels, the align_corners=False convention."""
    return (2.0 * tf.range(count, dtype=dtype) + 1.0) / count - 1.0


def affine_grid(theta: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """Grid [B, height, width, 2] of (x, y) = theta @ (x_t, y_t, 1) at every output pixel centre.

    Args:
      theta: [B, 2, 3] affine matrices mapping normalised output coordinates (x right, y down, both
        in [-1, 1]) to normalised input coordinates; [[1, 0, 0], [0, 1, 0]] is the identity.
      height, width: output size.

    Returns:
      The sampling grid, theta's dtype (float32 if theta is not floating point). Output pixel
      (row i, column j) sits at x_t = (2j + 1)/width - 1, y_t = (2i + 1)/height - 1 (PyTorch
      affine_grid with align_corners=False), so `grid_sample(images, affine_grid(identity, H, W))`
      returns the H x W images unchanged.
    """
    theta = tf.convert_to_tensor(theta)
    if not theta.dtype.is_floating:
        theta = tf.cast(theta, tf.float32)
    if not theta.shape.is_compatible_with([None, 2, 3]):
        raise ValueError(f"affine_grid expects theta of shape [B, 2, 3], got {tuple(theta.shape)}")
    x_t, y_t = tf.meshgrid(_pixel_centres(width, theta.dtype), _pixel_centres(height, theta.dtype))
    base = tf.stack([x_t, y_t, tf.ones_like(x_t)], axis=-1)  # [height, width, 3]
    return tf.einsum("hwk,bck->bhwc", base, theta)
