"""SAFA's polar transform of a square aerial tile into a panorama-like strip.

The mapping and the interpolation follow SAFA's `script/data_preparation.py` (reused unchanged by
DSM, Toker et al. and the STN variant), so the output reproduces the published polar images:

- centre at (S/2, S/2), not ((S-1)/2, (S-1)/2), and radius step (S/2)/H;
- output row 0 is the outer ring and row H-1 samples the centre pixel exactly;
- column j looks along angle 2*pi*j/W: the source row is x = S/2 + r*cos(2*pi*j/W) and the source
  column y = S/2 - r*sin(2*pi*j/W), so columns run south, west, north (centre column), east;
- hand-written bilinear interpolation: corners at the truncated coordinate and +1, any corner outside
  the image contributes zero (zero padding), no clamping; interpolation along x first, then along y.

The sampling grid is computed in float64: a float32 grid moves samples enough to change values by
~3e-3 on the 0..255 scale. The grid, the corner indices and the weights depend only on the sizes, so
they are computed once per (S, H, W) and cached; each image then costs one gather of the pixels the
four corners need, in the image's own dtype, and a few multiply-adds.
"""

import dataclasses
import functools

import numpy as np
import numpy.typing as npt
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


@dataclasses.dataclass(frozen=True)
class _Taps:
    """The four bilinear corners of every output pixel, sorted by the source address of (x0, y0).

    Gathering in that order walks the aerial image front to back instead of ring by ring, which keeps
    the gather in cache (about twice as fast at 750 -> 112x616); output pixel p (polar order,
    row-major) is sorted pixel `restore[p]`. Corner order (x0, y0), (x1, y0), (x0, y1), (x1, y1). An
    out-of-image corner keeps a harmless in-range index and `inside` False: SAFA's zero padding is
    applied by zeroing its contribution.
    """

    indices: np.ndarray  # [4, H*W] int64 flat pixel index row * S + column
    inside: np.ndarray  # [4, H*W] bool
    axis_weights: np.ndarray  # [4, H*W] float64: x1 - x, x - x0, y1 - y, y - y0
    corner_weights: np.ndarray  # [4, H*W] float64 products (x1-x)(y1-y), ...; 0 for an out-of-image corner
    restore: np.ndarray  # [H*W] int64


@functools.lru_cache(maxsize=8)
def _bilinear_taps(size: int, height: int, width: int) -> _Taps:
    x, y = (a.ravel() for a in polar_sampling_grid(size, height, width))
    # data_preparation.py truncates with astype(int); every coordinate is positive, so this is floor.
    x0 = np.trunc(x).astype(np.int64)
    y0 = np.trunc(y).astype(np.int64)
    order = np.argsort(x0 * size + y0, kind="stable")
    x, y, x0, y0 = x[order], y[order], x0[order], y0[order]
    x1, y1 = x0 + 1, y0 + 1
    corners = ((x0, y0), (x1, y0), (x0, y1), (x1, y1))
    inside = np.stack([(r >= 0) & (r < size) & (c >= 0) & (c < size) for r, c in corners])
    indices = np.stack([np.where(ok, r * size + c, 0) for (r, c), ok in zip(corners, inside)])
    wx0, wx1, wy0, wy1 = x1 - x, x - x0, y1 - y, y - y0
    corner_weights = np.where(inside, np.stack([wx0 * wy0, wx1 * wy0, wx0 * wy1, wx1 * wy1]), 0.0)
    return _Taps(indices, inside, np.stack([wx0, wx1, wy0, wy1]), corner_weights, np.argsort(order))


@dataclasses.dataclass(frozen=True)
class _GatherPlan:
    """`_Taps` repeated per channel, for a gather of single elements of the flattened [S*S*C] image."""

    elements: np.ndarray  # [4, H*W*C] int64 flat element index (row * S + column) * C + channel
    inside: np.ndarray | None  # [4, H*W*C] uint8, 0 for an out-of-image corner; None when all are inside
    axis_weights: np.ndarray  # [4, H*W*C] float64: x1 - x, x - x0, y1 - y, y - y0
    corner_weights: np.ndarray  # [4, H*W*C] float32, as in `_Taps`
    restore: np.ndarray  # [H*W] int64, as in `_Taps`


@functools.lru_cache(maxsize=4)  # ~17 MB each at 112x616x3
def _gather_plan(size: int, height: int, width: int, channels: int) -> _GatherPlan:
    taps = _bilinear_taps(size, height, width)

    def per_element(a: np.ndarray) -> np.ndarray:
        return np.repeat(a[..., None], channels, axis=2).reshape(4, -1)

    return _GatherPlan(
        elements=per_element(taps.indices * channels) + np.tile(np.arange(channels), taps.restore.size),
        inside=None if taps.inside.all() else per_element(taps.inside).astype(np.uint8),
        axis_weights=per_element(taps.axis_weights),
        corner_weights=per_element(taps.corner_weights).astype(np.float32),
        restore=taps.restore,
    )


def _square_size(shape: tuple[int | None, ...]) -> int | None:
    """S of [S, S, C] or [N, S, S, C]; None when unknown until run time (checked then)."""
    if len(shape) not in (3, 4) or (None not in shape[-3:-1] and shape[-3] != shape[-2]):
        raise ValueError(f"polar_transform expects square images [S, S, C] or [N, S, S, C], got shape {tuple(shape)}")
    return None if shape[-3] is None else int(shape[-3])


def polar_transform(
    image: np.ndarray, height: int = 112, width: int = 616, dtype: npt.DTypeLike = np.float64
) -> np.ndarray:
    """SAFA's polar transform of aerial image(s), in NumPy.

    Args:
      image: [S, S, C] or [N, S, S, C], any real or integer dtype (typically RGB uint8 0..255).
      height, width: polar output size; SAFA uses 112x616 for CVUSA and CVACT.
      dtype: float64 (default) evaluates SAFA's expression in SAFA's order and precision, so values
        that are later truncated or rounded (Toker et al. store `.astype(np.uint8)`) come out as the
        original's; float32 sums the four weighted corners in float32, about 1.5x faster and within
        1e-4 of it on the 0..255 scale, for callers that keep floats.

    Returns:
      [height, width, C] (or [N, height, width, C]) of `dtype`, in the input's value scale,
      unquantised.
    """
    image = np.asarray(image)
    size = _square_size(image.shape)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"polar_transform computes in float32 or float64, not {dtype}")
    channels = image.shape[-1]
    plan = _gather_plan(size, height, width, channels)
    images = image.reshape(-1, size * size * channels)
    result = np.empty((images.shape[0], height * width, channels), dtype)
    for flat, out in zip(images, result):
        taps = np.take(flat, plan.elements).astype(dtype, copy=False)
        if dtype == np.float32:
            taps *= plan.corner_weights
            total = taps[0]
            total += taps[1]
            total += taps[2]
            total += taps[3]
        else:
            total = _along_x_then_y(taps, plan)
        np.take(total.reshape(-1, channels), plan.restore, axis=0, out=out)
    return result.reshape(*image.shape[:-3], height, width, channels)


def _along_x_then_y(taps: np.ndarray, plan: _GatherPlan) -> np.ndarray:
    """data_preparation.py's arithmetic, in place on the float64 corner samples [4, H*W*C].

    fx1 = (x1-x)*s00 + (x-x0)*s10 and fx2 likewise at y1, then (y1-y)*fx1 + (y-y0)*fx2, each product
    and sum rounded as the original rounds it; out-of-image samples are zeroed first, as the original
    samples them as zero.
    """
    if plan.inside is not None:
        taps *= plan.inside
    s00, s10, s01, s11 = taps
    wx0, wx1, wy0, wy1 = plan.axis_weights
    s00 *= wx0
    s10 *= wx1
    s00 += s10
    s01 *= wx0
    s11 *= wx1
    s01 += s11
    s00 *= wy0
    s01 *= wy1
    s00 += s01
    return s00


def _tf_taps(size: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_bilinear_taps` as indices [4, H*W], float32 corner weights [4, H*W] and restore [H*W]."""
    taps = _bilinear_taps(size, height, width)
    return taps.indices, taps.corner_weights.astype(np.float32), taps.restore


def polar_transform_tf(images: tf.Tensor, height: int = 112, width: int = 616) -> tf.Tensor:
    """The same transform as a TensorFlow op, for on-the-fly use inside tf.data or a model.

    Args:
      images: [S, S, C] or [N, S, S, C] with static C, any real or integer dtype.
      height, width: polar output size.

    Returns:
      float32 [height, width, C] (or [N, height, width, C]). The grid and weights are computed in
      float64 and only the weighted sum runs in float32, so it agrees with `polar_transform` to ~1e-4.
      It uses the NumPy version's cached taps: pixels gathered in source order and in the input dtype,
      widened, weighted, put back in polar order. With a static S the taps are graph constants (and
      the op compiles with XLA, `jit_compile=True`, about twice as fast on CPU); otherwise they are
      computed (and cached) by the NumPy code at run time, which suits tf.data but not a saved model.
    """
    images = tf.convert_to_tensor(images)
    size = _square_size(tuple(images.shape))
    channels = images.shape[-1]
    if channels is None:
        raise ValueError("polar_transform_tf needs a static channel count")
    batched = images.shape.rank == 4
    batch = images if batched else images[None]
    if size is not None:
        indices, weights, restore = (tf.constant(a) for a in _tf_taps(size, height, width))
        pixels = size * size
    else:
        spatial = tf.shape(batch)[1:3]
        square = tf.debugging.assert_equal(spatial[0], spatial[1], message="polar_transform_tf expects square images")
        # The reshape below must wait for the check, or graph optimisation may fail it first.
        with tf.control_dependencies([square] if square is not None else []):
            side = tf.identity(spatial[0])
        indices, weights, restore = tf.numpy_function(
            lambda s: _tf_taps(int(s), height, width), [side], [tf.int64, tf.float32, tf.int64], stateful=False
        )
        pixels = side * side
    flat = tf.reshape(batch, [-1, pixels, channels])
    gathered = tf.cast(tf.gather(flat, indices, axis=1), tf.float32)  # [N, 4, H*W, C], sorted
    weighted = tf.reduce_sum(gathered * tf.reshape(weights, [4, height * width, 1]), axis=1)
    result = tf.reshape(tf.gather(weighted, restore, axis=1), [-1, height, width, channels])
    return result if batched else result[0]
