"""The quantisation SAFA's published polar images went through, for models trained on them.

SAFA's `script/data_preparation.py` saves its float polar images with `scipy.misc.imsave`, which
(through `scipy.misc.toimage` -> `bytescale`) stretches the whole image, all channels together,
from its own [min, max] to [0, 255] and rounds half up to uint8. Released SAFA (and DSM) weights
expect those stretched images (the SAFA README warns that other polar writers change results), so
reproducing them needs this step; training from scratch does not.
"""

import tensorflow as tf


def stretch_like_scipy_imsave(polar: tf.Tensor) -> tf.Tensor:
    """Per-image min-max stretch to 0..255, rounded half up: scipy.misc.bytescale's formula.

    Args:
      polar: [H, W, C] (or [N, H, W, C], stretched per image) float polar images.

    Returns:
      float32 images with integer values 0..255. A constant image maps to 0 (bytescale's cscale = 1).
    """
    polar = tf.cast(polar, tf.float32)
    axes = list(range(polar.shape.rank - 3, polar.shape.rank))
    low = tf.reduce_min(polar, axis=axes, keepdims=True)
    span = tf.reduce_max(polar, axis=axes, keepdims=True) - low
    span = tf.where(span == 0, tf.ones_like(span), span)
    return tf.floor(tf.clip_by_value((polar - low) * (255.0 / span), 0.0, 255.0) + 0.5)
