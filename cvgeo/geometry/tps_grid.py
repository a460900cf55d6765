"""Thin-plate-spline sampling grids, the TPS spatial transformer of the STN variant of SAFA.

Realistic-Cross-View-Image-Geo-Localization (`networks/tps.py`) takes its TPS grid generator from
WarBean/tps_stn_pytorch (`tps_grid_gen.py`, `TPSGridGen`); this reproduces that formulation:

- N target (identity) control points on a rows x cols grid over [-span, span]^2, built with y outer
  and x inner and stored as (x, y) (`tps_target_points`);
- the radial basis U(d^2) = 0.5 * d^2 * log(d^2) (= r^2 log r), with U(0) = 0;
- the (N+3) x (N+3) system L = [[K, 1, P], [1^T, 0, 0], [P^T, 0, 0]], K_ij = U(|p_i - p_j|^2),
  P = the (x, y) columns of the target points, inverted once;
- for every output pixel t the row R_t = [U(|t - p_j|^2) for all j, 1, x_t, y_t], and the sampled
  source position R_t @ L^-1 @ [source_points; 0; 0; 0].

The predicted `source_points` enter only through the first N columns of L^-1 (the three rows below
them are zero), so R @ L^-1[:, :N] is folded in float64 once per size and stored as one constant.
"""

import functools

import numpy as np
import tensorflow as tf


def tps_target_points(grid_shape: tuple[int, int] = (6, 10), span: float = 0.9) -> np.ndarray:
    """The identity control points, float64 [rows * cols, 2] of (x, y).

    Point k = r * cols + c sits at y = linspace(-span, span, rows)[r], x = linspace(-span, span,
    cols)[c] (TPSGridGen builds the product over y, then x, and stores each pair as (x, y)). The STN
    variant initialises its TPS head's bias with these points (zero weights), so it starts as the
    identity warp.
    """
    rows, cols = grid_shape
    if rows < 2 or cols < 2:
        raise ValueError(f"a TPS needs at least a 2 x 2 control grid, got {grid_shape}")
    y, x = np.meshgrid(np.linspace(-span, span, rows), np.linspace(-span, span, cols), indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=-1)


def _radial_basis(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """U(|p - c|^2) = 0.5 d^2 log d^2, [len(points), len(centres)]; 0 at d = 0, where TPSGridGen
    replaces the NaN of 0 * log 0 by 0."""
    squared = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        basis = 0.5 * squared * np.log(squared)
    return np.where(squared > 0, basis, 0.0)


@functools.lru_cache(maxsize=4)  # 16.6 MB each at 112x616 in float32
def _tps_weights(height: int, width: int, grid_shape: tuple[int, int], span: float, dtype: type) -> np.ndarray:
    """[height * width, N] in `dtype`, computed in float64: each output pixel's source position as a
    linear combination of the N source points."""
    target = tps_target_points(grid_shape, span)
    count = len(target)
    system = np.zeros((count + 3, count + 3))
    system[:count, :count] = _radial_basis(target, target)
    system[:count, count] = system[count, :count] = 1.0
    system[:count, count + 1 :] = target
    system[count + 1 :, :count] = target.T
    inverse = np.linalg.inv(system)
    # TPSGridGen normalises target pixels with 2i/(n-1) - 1, the align_corners=True convention, while
    # the STN samples with align_corners=False: the identity TPS is not pixel-exact (spec 4.2).
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    pixels = np.stack([2.0 * cols.ravel() / (width - 1) - 1.0, 2.0 * rows.ravel() / (height - 1) - 1.0], axis=-1)
    kernel = np.concatenate([_radial_basis(pixels, target), np.ones((len(pixels), 1)), pixels], axis=1)
    return (kernel @ inverse[:, :count]).astype(dtype)


def tps_grid(
    source_points: tf.Tensor,
    height: int,
    width: int,
    grid_shape: tuple[int, int] = (6, 10),
    span: float = 0.9,
) -> tf.Tensor:
    """Sampling grid [B, height, width, 2] of (x, y) of the TPS that moves the target points to `source_points`.

    Args:
      source_points: [B, rows * cols, 2] (x, y) in normalised input coordinates, in the order of
        `tps_target_points` (a TPS head's 2N outputs reshaped to [B, N, 2]).
      height, width: output size (112 x 616 in the STN variant). Each needs at least 2 pixels.
      grid_shape: (rows, cols) of the control grid; the STN variant uses 6 x 10.
      span: the control grid covers [-span, span]^2; 0.9 in the STN variant.

    Returns:
      The grid for `grid_sample`, in source_points' dtype (float32 if not floating point). With
      `source_points = tps_target_points(...)` it is the identity warp: pixel (i, j) samples
      (2j/(width-1) - 1, 2i/(height-1) - 1).
    """
    if height < 2 or width < 2:
        raise ValueError(f"tps_grid needs at least 2 x 2 output pixels, got {height} x {width}")
    source_points = tf.convert_to_tensor(source_points)
    if not source_points.dtype.is_floating:
        source_points = tf.cast(source_points, tf.float32)
    count = grid_shape[0] * grid_shape[1]
    if not source_points.shape.is_compatible_with([None, count, 2]):
        raise ValueError(
            f"tps_grid expects source_points [B, {count}, 2] for a {grid_shape} grid, got {tuple(source_points.shape)}"
        )
    weights = _tps_weights(height, width, tuple(grid_shape), float(span), source_points.dtype.as_numpy_dtype)
    grid = tf.einsum("pn,bnc->bpc", tf.constant(weights), source_points)
    return tf.reshape(grid, [-1, height, width, 2])
