"""OpenCV's INTER_CUBIC resize as a TensorFlow op (the resize of Toker et al.'s data loaders).

Toker et al. (comingdowntoearth `data/*.py`) resize CVUSA panoramas and polar images to 112x616 with
`cv2.resize(..., interpolation=cv2.INTER_CUBIC)`. OpenCV's cubic differs from `tf.image.resize`'s
bicubic: its kernel has a = -0.75 (TF: -0.5), it never antialiases when shrinking, sample positions
are computed in float32 and the border is replicated. The current OpenCV (5.x) computes uint8 images
in floating point and rounds half to even, which this op reproduces; OpenCV 4.x used 11-bit fixed
point weights instead, which moves some pixels by one grey level.
"""

import functools

import numpy as np
import tensorflow as tf

_A = np.float32(-0.75)  # OpenCV interpolateCubic


@functools.lru_cache(maxsize=64)
def cubic_taps(source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Clamped source indices [target, 4] and float32 weights [target, 4] of one axis, as OpenCV computes them."""
    scale = 1.0 / (target / source)  # OpenCV: scale_x = 1 / inv_scale_x
    one = np.float32(1)
    indices = np.zeros((target, 4), np.int64)
    weights = np.zeros((target, 4), np.float32)
    for d in range(target):
        position = np.float32((d + 0.5) * scale - 0.5)
        start = int(np.floor(position))
        x = np.float32(position - np.float32(start))
        c0 = ((_A * (x + one) - 5 * _A) * (x + one) + 8 * _A) * (x + one) - 4 * _A
        c1 = ((_A + 2) * x - (_A + 3)) * x * x + one
        c2 = ((_A + 2) * (one - x) - (_A + 3)) * (one - x) * (one - x) + one
        weights[d] = (c0, c1, c2, one - c0 - c1 - c2)
        indices[d] = np.clip(np.arange(start - 1, start + 3), 0, source - 1)  # BORDER_REPLICATE
    return indices, weights


def _resize_axis(images: tf.Tensor, axis: int, target: int) -> tf.Tensor:
    """Four-tap weighted sum along one axis; taps are graph constants for a static size, else fetched at
    run time (images already at the target size are passed through)."""
    source = images.shape[axis]
    if source == target:
        return images
    if source is not None:
        return _weighted_sum(images, axis, target, *(tf.constant(a) for a in cubic_taps(source, target)))

    def resample():
        taps = tf.numpy_function(
            lambda s: cubic_taps(int(s), target), [tf.shape(images)[axis]], [tf.int64, tf.float32], stateful=False
        )
        return _weighted_sum(images, axis, target, *taps)

    def keep():
        return images

    # The static shape is set after the cond: an EnsureShape inside the untaken branch can still fire.
    result = tf.cond(tf.shape(images)[axis] == target, keep, resample)
    return tf.ensure_shape(result, _with(images.shape, axis, target))


def _with(shape: tf.TensorShape, axis: int, size: int) -> list:
    dims = shape.as_list()
    dims[axis] = size
    return dims


def _weighted_sum(images: tf.Tensor, axis: int, target: int, indices: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
    gathered = tf.gather(images, tf.reshape(indices, [-1]), axis=axis)
    dims = tf.unstack(tf.shape(images))
    shape = tf.stack(dims[:axis] + [target, 4] + dims[axis + 1 :])
    weight_shape = [1] * (images.shape.rank + 1)
    weight_shape[axis : axis + 2] = [target, 4]
    result = tf.reduce_sum(tf.reshape(gathered, shape) * tf.reshape(weights, weight_shape), axis=axis + 1)
    return tf.ensure_shape(result, _with(images.shape, axis, target))


def resize_cubic(images: tf.Tensor, size: tuple[int, int], *, quantize: bool = True) -> tf.Tensor:
    """cv2.resize(images, size[::-1], interpolation=cv2.INTER_CUBIC) for [H, W, C] or [N, H, W, C].

    Args:
      images: values 0..255 for `quantize`; static or run-time height and width.
      size: (height, width) of the output (shrinking or enlarging).
      quantize: round half to even and clip to 0..255, as OpenCV does for uint8 images.

    Returns:
      float32 images of `size` (horizontal pass first, then vertical, as OpenCV); the input's values
      when the size already matches.
    """
    images = tf.cast(images, tf.float32)
    height_axis = images.shape.rank - 3
    result = _resize_axis(_resize_axis(images, height_axis + 1, size[1]), height_axis, size[0])
    return tf.clip_by_value(tf.round(result), 0.0, 255.0) if quantize else result
