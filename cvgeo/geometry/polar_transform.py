"""SAFA's polar transform of a square aerial tile into a panorama-like strip.

The mapping and the interpolation follow SAFA's `script/data_preparation.py` (reused unchanged by
DSM, Toker et al. and the STN variant), so the output reproduces the published polar images:

- centre at (S/2, S/2), not ((S-1)/2, (S-1)/2), and radius step (S/2)/H;
- output row 0 is the outer ring and row H-1 samples the centre pixel exactly;
- column j looks along angle 2*pi*j/W: the source row is x = S/2 + r*cos(2*pi*j/W) and the source
  column y = S/2 - r*sin(2*pi*j/W), so columns run south, west, north (centre column), east;
- hand-written bilinear interpolation: corners at the truncated coordinate and +1, any corner outside
  the image contributes zero (zero padding), no clamping.

The sampling grid is computed in float64: a float32 grid moves samples enough to change values by
~3e-3 on the 0..255 scale.
"""

import functools

import numpy as np
import tensorflow as tf


def polar_sampling_grid(size: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Source coordinates (rows x, columns y), each float64 [height, width], of SAFA's polar map."""
    rows = np.arange(height, dtype=np.float64)[:, None]
    cols = np.arange(width, dtype=np.float64)[None, :]
    half = size / 2.0
    radius = half / height * (height - 1 - rows)
    angle = 2.0 * np.pi * cols / width
    x = half + radius * np.cos(angle)
    y = half - radius * np.sin(angle)
    return x, y


@functools.lru_cache(maxsize=32)
def _bilinear_taps(size: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat source indices [4, H, W] and weights [4, H, W] (float64) of the four bilinear corners.

    Out-of-image corners get weight 0 (and a harmless in-range index), which is SAFA's zero padding.
    """
    x, y = polar_sampling_grid(size, height, width)
    # data_preparation.py truncates with astype(int); every coordinate is positive, so this is floor.
    x0 = np.trunc(x).astype(np.int64)
    y0 = np.trunc(y).astype(np.int64)
    x1, y1 = x0 + 1, y0 + 1
    wx0, wx1 = x1 - x, x - x0
    wy0, wy1 = y1 - y, y - y0
    indices, weights = [], []
    for xi, yi, weight in ((x0, y0, wx0 * wy0), (x1, y0, wx1 * wy0), (x0, y1, wx0 * wy1), (x1, y1, wx1 * wy1)):
        inside = (xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)
        indices.append(np.where(inside, xi * size + yi, 0))
        weights.append(np.where(inside, weight, 0.0))
    return np.stack(indices), np.stack(weights)


def _square_size(shape: tuple[int | None, ...]) -> int | None:
    """S of [S, S, C] or [N, S, S, C]; None when unknown until run time (checked then)."""
    if len(shape) not in (3, 4) or (None not in shape[-3:-1] and shape[-3] != shape[-2]):
        raise ValueError(f"polar_transform expects square images [S, S, C] or [N, S, S, C], got shape {tuple(shape)}")
    return None if shape[-3] is None else int(shape[-3])


def polar_transform(image: np.ndarray, height: int = 112, width: int = 616) -> np.ndarray:
    """SAFA's polar transform of aerial image(s), in NumPy.

    Args:
      image: [S, S, C] or [N, S, S, C], any real or integer dtype (typically RGB uint8 0..255).
      height, width: polar output size; SAFA uses 112x616 for CVUSA and CVACT.

    Returns:
      float64 [height, width, C] (or [N, height, width, C]) in the input's value scale, unquantised.
    """
    image = np.asarray(image)
    size = _square_size(image.shape)
    indices, weights = _bilinear_taps(size, height, width)
    flat = image.reshape(*image.shape[:-3], size * size, image.shape[-1]).astype(np.float64)
    result = np.zeros((*image.shape[:-3], height, width, image.shape[-1]), np.float64)
    for tap in range(4):
        result += weights[tap][..., None] * flat[..., indices[tap], :]
    return result


def polar_transform_tf(images: tf.Tensor, height: int = 112, width: int = 616) -> tf.Tensor:
    """The same transform as a TensorFlow op, for on-the-fly use inside tf.data or a model.

    Args:
      images: [S, S, C] or [N, S, S, C] with static S and C, any real or integer dtype.
      height, width: polar output size.

    Returns:
      float32 [height, width, C] (or [N, height, width, C]). The grid and weights are computed in
      float64 and only the weighted sum runs in float32, so it agrees with `polar_transform` to ~1e-4.
      With a static S the taps are graph constants; otherwise they are computed (and cached) by the
      NumPy code at run time, which suits tf.data but not a saved model.
    """
    images = tf.convert_to_tensor(images)
    size = _square_size(tuple(images.shape))
    channels = images.shape[-1]
    if channels is None:
        raise ValueError("polar_transform_tf needs a static channel count")
    batched = images.shape.rank == 4
    batch = images if batched else images[None]
    if size is not None:
        indices, weights = (tf.constant(a) for a in _bilinear_taps(size, height, width))
        pixels = size * size
    else:
        spatial = tf.shape(batch)[1:3]
        square = tf.debugging.assert_equal(spatial[0], spatial[1], message="polar_transform_tf expects square images")
        # The reshape below must wait for the check, or graph optimisation may fail it first.
        with tf.control_dependencies([square] if square is not None else []):
            side = tf.identity(spatial[0])
        indices, weights = tf.numpy_function(
            lambda s: _bilinear_taps(int(s), height, width), [side], [tf.int64, tf.float64], stateful=False
        )
        pixels = side * side
    weights = tf.cast(weights, tf.float32)
    flat = tf.reshape(tf.cast(batch, tf.float32), [-1, pixels, channels])
    result = tf.zeros([tf.shape(flat)[0], height, width, channels], tf.float32)
    for tap in range(4):
        gathered = tf.gather(flat, tf.reshape(indices[tap], [height, width]), axis=1)
        result += tf.reshape(weights[tap], [height, width, 1]) * gathered
    return result if batched else result[0]
