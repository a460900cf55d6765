"""Differentiable bilinear sampling of images at normalised (x, y) positions, zero padded.

The spatial-transformer variant of SAFA (Realistic-Cross-View-Image-Geo-Localization,
`networks/spatial_transf.py` and `networks/tps.py`) warps the aerial image with PyTorch's
`F.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=False)`; this is
that operation for NHWC tensors, built from plain TensorFlow ops (floor, gather, multiply-add), so it
runs eagerly, in `tf.function`, in `tf.data` and under XLA, and has gradients with respect to both
the images and the grid. Compiled with XLA (`tf.function(jit_compile=True)`) its element-wise steps
fuse, several times faster on CPU than the plain graph (`benchmarks/geometry_throughput.py`).
"""

import tensorflow as tf


def _compute_dtype(dtype: tf.DType) -> tf.DType:
    if not dtype.is_floating:
        raise ValueError(f"grid_sample expects floating-point images, got {dtype.name}")
    return tf.float64 if dtype == tf.float64 else tf.float32


def grid_sample(images: tf.Tensor, grid: tf.Tensor) -> tf.Tensor:
    """Samples `images` bilinearly at `grid`, PyTorch `grid_sample` semantics (align_corners=False).

    Args:
      images: [B, H, W, C] floating point.
      grid: [B, h, w, 2] normalised (x, y) positions, x along the columns and y along the rows; -1
        and +1 are the outer edges of the border pixels, so pixel (row r, column c) has its centre at
        x = (2c + 1)/W - 1, y = (2r + 1)/H - 1.

    Returns:
      [B, h, w, C] in the images' dtype. Each of the four neighbours of a position contributes
      (1 - |dx|)(1 - |dy|) times its value, and a neighbour outside the image contributes zero
      (padding_mode='zeros'), so values fade to 0 over the half pixel beyond the border and are 0
      farther out. float16 / bfloat16 inputs are computed in float32; float64 in float64.
    """
    images = tf.convert_to_tensor(images)
    dtype = _compute_dtype(images.dtype)
    values = tf.cast(images, dtype)
    grid = tf.cast(grid, dtype)
    shape = tf.shape(values)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    out_shape = tf.shape(grid)
    # Pixel coordinates, align_corners=False: ((x + 1) * W - 1) / 2. Clipping to [-2, size + 1] keeps
    # every position that has a neighbour inside the image unchanged and stops far-away (or huge)
    # coordinates from overflowing the integer cast; beyond it all four neighbours are outside anyway.
    size_x = tf.cast(width, dtype)
    size_y = tf.cast(height, dtype)
    x = tf.clip_by_value(((grid[..., 0] + 1.0) * size_x - 1.0) / 2.0, -2.0, size_x + 1.0)
    y = tf.clip_by_value(((grid[..., 1] + 1.0) * size_y - 1.0) / 2.0, -2.0, size_y + 1.0)
    x0f = tf.floor(x)
    y0f = tf.floor(y)
    wx1 = x - x0f
    wy1 = y - y0f
    x0 = tf.cast(x0f, tf.int32)
    y0 = tf.cast(y0f, tf.int32)
    flat = tf.reshape(values, [batch, height * width, channels])
    result = None
    for dy, weight_y in ((0, 1.0 - wy1), (1, wy1)):
        for dx, weight_x in ((0, 1.0 - wx1), (1, wx1)):
            column, row = x0 + dx, y0 + dy
            inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
            index = tf.where(inside, row * width + column, 0)
            pixels = tf.gather(flat, tf.reshape(index, [batch, -1]), batch_dims=1)
            pixels = tf.reshape(pixels, [batch, out_shape[1], out_shape[2], channels])
            weight = tf.where(inside, weight_x * weight_y, tf.zeros_like(weight_x))
            term = weight[..., None] * pixels
            result = term if result is None else result + term
    return tf.cast(result, images.dtype)
