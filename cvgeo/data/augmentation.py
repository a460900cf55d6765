"""The original training augmentations of CVM-Net and OriCNN, as deterministic TF functions of drawn
parameters (so the same draw can be applied to an image and its orientation channels).

- Aerial (CVM-Net `input_data.py`, OriCNN `input_data_rgb_ori_m1_1_augument.py`, `input_data_ACT.py`):
  draw `crop = randint(1, S - 2)`; if it exceeds the output size, keep the centred crop of that side
  starting at int((S - crop) / 2); INTER_AREA resize to the output size; rotate by
  `randint(0, 4) * 90` degrees (0 and 4 both mean no rotation, so that has probability 2/5) with
  `cv2.getRotationMatrix2D((256, 256), angle, 1)` + `warpAffine`, whose centre is half a pixel off
  the true centre (255.5, 255.5): the rotation lands one pixel off an exact quarter turn and leaves
  a one-pixel black border.
- Ground (OriCNN only): circular shift left by `int(uniform(0, W - 1))` columns, applied before the
  resize (CVACT: on the 1664-wide crop).
"""

import tensorflow as tf

from cvgeo.data.area_resize import resize_area


def draw_aerial_augmentation(seed: tf.Tensor, size: int | tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(crop side, quarter turns) as the originals draw them for an S x S tile; `seed` is a stateless [2] seed.

    crop is uniform on 1..S-2 (Python's randint(1, 748) for S = 750, randint(1, 1198) for 1200);
    quarter turns uniform on 0..4.
    """
    seeds = tf.random.split(tf.cast(seed, tf.int64), 2)
    crop = tf.random.stateless_uniform([], seeds[0], minval=1, maxval=size - 1, dtype=tf.int32)
    turns = tf.random.stateless_uniform([], seeds[1], minval=0, maxval=5, dtype=tf.int32)
    return crop, turns


def draw_ground_shift(seed: tf.Tensor, width: int | tf.Tensor) -> tf.Tensor:
    """OriCNN's shift `int(uniform(0, W - 1))`: uniform on 0..W-2 (W = 1232 for CVUSA, 1664 for CVACT)."""
    return tf.random.stateless_uniform([], tf.cast(seed, tf.int64), minval=0, maxval=width - 1, dtype=tf.int32)


def aerial_crop_resize(image: tf.Tensor, crop: tf.Tensor, size: int, *, quantize: bool = True) -> tf.Tensor:
    """Centred crop of side `crop` when crop > size, then INTER_AREA to size x size. [S, S, C] in.

    The crop side varies per example, so the resize runs on the dynamic crop; it uses
    `tf.image.resize(method="area")` (OpenCV-equal to ~1e-4 before rounding, see area_resize), then
    rounds as OpenCV does for the uint8 images the originals resize.
    """
    full = tf.shape(image)[0]
    image = tf.cast(image, tf.float32)

    def cropped():
        start = (full - crop) // 2  # int((S - crop) / 2) of the original, crop >= 1
        window = image[start : start + crop, start : start + crop]
        resized = tf.image.resize(window, [size, size], method="area")
        return tf.round(resized) if quantize else resized

    return tf.cond(crop > size, cropped, lambda: resize_area(image, (size, size), quantize=quantize))


def quarter_turn_like_opencv(image: tf.Tensor, turns: tf.Tensor) -> tf.Tensor:
    """Counter-clockwise rotation by turns*90 degrees as cv2.warpAffine about (S/2, S/2) does it.

    With the centre at S/2 instead of (S-1)/2 the result is the exact quarter turn shifted by one
    pixel: 90 degrees moves it down a row, 180 down and right, 270 right; the vacated row/column is 0.
    """
    turns = tf.math.floormod(turns, 4)
    rotated = tf.image.rot90(image, turns)
    down = tf.cast(tf.logical_or(turns == 1, turns == 2), tf.int32)
    right = tf.cast(tf.logical_or(turns == 2, turns == 3), tf.int32)
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    padded = tf.pad(rotated, [[down, 0], [right, 0], [0, 0]])
    return padded[:height, :width]


def circular_shift(image: tf.Tensor, shift: tf.Tensor) -> tf.Tensor:
    """OriCNN's ground augmentation: new column c = old column (c + shift) mod W, on [H, W, C]."""
    return tf.roll(image, -shift, axis=1)
