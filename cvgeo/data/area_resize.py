"""OpenCV's INTER_AREA downscaling as a TensorFlow op, the resize every original data loader uses.

CVM-Net, OriCNN and SAFA resize with `cv2.resize(..., interpolation=cv2.INTER_AREA)` on uint8
images: each output pixel is the coverage-weighted mean of the source pixels under it, rounded back
to uint8. The weights are separable, so they are computed once per (source, target) size in float64
with OpenCV's rules and applied as one gather and weighted sum per axis (at most ceil(scale) + 1 taps).
`tf.image.resize(method="area")` computes the same means to ~1e-4 for 750->512 and 1200->512 but
drifts by up to ~0.015 grey levels for 416x1664 -> 224x1232, and does not round like OpenCV.
"""

import functools
import math

import numpy as np
import tensorflow as tf


@functools.lru_cache(maxsize=64)
def area_taps(source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices and weights, each [target, taps], of OpenCV's INTER_AREA along one axis.

    Follows OpenCV's `computeResizeAreaTab`: output pixel d covers [d*s, (d+1)*s) with s =
    source/target; partial pixels at either end get their covered fraction (ignored below 1e-3), and
    the weights are divided by the covered width.
    """
    if target > source:
        raise ValueError(f"area resize only downscales; got {source} -> {target}")
    scale = source / target
    rows = []
    for d in range(target):
        start, end = d * scale, (d + 1) * scale
        first, last = math.ceil(start), math.floor(end)
        width = min(scale, source - start)
        taps = []
        if first - start > 1e-3:
            taps.append((first - 1, (first - start) / width))
        taps += [(s, 1.0 / width) for s in range(first, min(last, source))]
        if last < source and end - last > 1e-3:
            taps.append((last, min(min(end - last, 1.0), width) / width))
        rows.append(taps)
    count = max(len(taps) for taps in rows)
    indices = np.zeros((target, count), np.int64)
    weights = np.zeros((target, count), np.float64)
    for d, taps in enumerate(rows):
        for k, (index, weight) in enumerate(taps):
            indices[d, k], weights[d, k] = index, weight
    return indices, weights


def _resize_axis(images: tf.Tensor, axis: int, target: int) -> tf.Tensor:
    """Weighted sum of the taps of one axis, with that axis moved to the front (one gather).

    With a static source size the taps are graph constants; otherwise the (cached) NumPy taps are
    fetched at run time, which suits tf.data maps over images of varying size.
    """
    source = images.shape[axis]
    if source == target:
        return tf.cast(images, tf.float32)
    if source is None:

        def resample():
            taps = tf.numpy_function(
                lambda s: area_taps(int(s), target), [tf.shape(images)[axis]], [tf.int64, tf.float64], stateful=False
            )
            return _weighted_sum(images, axis, target, *taps)

        def keep():
            return tf.cast(images, tf.float32)

        # Images already at the target size (CVUSA panoramas for CVM-Net) skip the taps. The static
        # shape is set after the cond: an EnsureShape inside the untaken branch can still fire.
        result = tf.cond(tf.shape(images)[axis] == target, keep, resample)
        return tf.ensure_shape(result, _with(images.shape, axis, target))
    return _weighted_sum(images, axis, target, *(tf.constant(a) for a in area_taps(source, target)))


def _with(shape: tf.TensorShape, axis: int, size: int) -> list:
    dims = shape.as_list()
    dims[axis] = size
    return dims


def _weighted_sum(images: tf.Tensor, axis: int, target: int, indices: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
    count = tf.shape(indices)[1]
    order = [axis] + [a for a in range(images.shape.rank) if a != axis]
    moved = images if axis == 0 else tf.transpose(images, order)
    taps = tf.gather(moved, tf.reshape(indices, [-1]))  # [target * taps, ...]
    taps = tf.reshape(taps, tf.concat([[target, count], tf.shape(moved)[1:]], axis=0))
    weight_shape = tf.concat([[target, count], tf.ones([images.shape.rank - 1], tf.int32)], 0)
    tap_weights = tf.reshape(tf.cast(weights, tf.float32), weight_shape)
    # Gathering before the float cast moves 4x fewer bytes for uint8 images.
    result = tf.reduce_sum(tf.cast(taps, tf.float32) * tap_weights, axis=1)
    if axis != 0:
        result = tf.transpose(result, np.argsort(order))
    return tf.ensure_shape(result, _with(images.shape, axis, target))


def resize_area(images: tf.Tensor, size: tuple[int, int], *, quantize: bool = True) -> tf.Tensor:
    """cv2.resize(images, size[::-1], interpolation=cv2.INTER_AREA) for [H, W, C] or [N, H, W, C].

    Args:
      images: any real or integer dtype, values 0..255 for `quantize`; static or run-time size.
      size: (height, width) of the output, each no larger than the input's.
      quantize: round to integers as OpenCV does for uint8 input (the originals resize uint8 images):
        half up for integer scale factors (OpenCV's fast path adds half before the shift), half to
        even otherwise (its saturate_cast). Set False for float maps (orientation channels).

    Returns:
      float32 images of `size`; unchanged values (as float32) when the size already matches.
    """
    images = tf.convert_to_tensor(images)
    height_axis = images.shape.rank - 3
    result = tf.cast(_resize_axis(_resize_axis(images, height_axis, size[0]), height_axis + 1, size[1]), tf.float32)
    if not quantize:
        return result
    static_source = images.shape[height_axis : height_axis + 2]
    if static_source.is_fully_defined():
        if tuple(static_source) == tuple(size):
            return result
        integer_factor = all(s % t == 0 for s, t in zip(static_source, size))
        return tf.floor(result + 0.5) if integer_factor else tf.round(result)
    source = tf.shape(images)[height_axis : height_axis + 2]
    target = tf.constant(size, tf.int32)

    def rounded():
        integer_factor = tf.reduce_all(tf.math.floormod(source, target) == 0)
        return tf.cond(integer_factor, lambda: tf.floor(result + 0.5), lambda: tf.round(result))

    return tf.cond(tf.reduce_all(source == target), lambda: result, rounded)
