"""OriCNN's orientation channels appended to the image, as a Keras layer."""

import keras
import numpy as np
import tensorflow as tf

from cvgeo.geometry.orientation_maps import (
    aerial_orientation_map,
    ground_orientation_map,
    orientation_maps_from_mat,
)


def _resize_area(maps: np.ndarray, height: int, width: int) -> np.ndarray:
    # OriCNN `input_data_*.py` resizes the orientation maps with cv2 INTER_AREA, like the images.
    import cv2

    return cv2.resize(maps, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def orientation_channels_for(branch: str, height: int, width: int, mat_path: str | None = None) -> np.ndarray:
    """The [height, width, 2] orientation channels OriCNN feeds to `branch` ("ground" / "aerial").

    Without `mat_path` they come from the closed forms in `cvgeo.geometry.orientation_maps`; with it,
    from the authors' `.mat` file, brought to the input size as OriCNN's loaders do.
    """
    if mat_path is None:
        if branch == "ground":
            return ground_orientation_map(height, width)
        if height != width:
            raise ValueError(f"OriCNN aerial inputs are square; got {height}x{width}")
        return aerial_orientation_map(height)
    maps = orientation_maps_from_mat(mat_path, branch)
    if branch == "ground" and maps.shape[1] == 2 * maps.shape[0] and (height, width) != maps.shape[:2]:
        # OriCNN `input_data_ACT.py`: a full CVACT panorama map (832x1664) is cropped to its middle
        # half of the rows, as the CVACT images are, before the resize to the network input.
        quarter = maps.shape[0] // 4
        maps = maps[quarter : maps.shape[0] - quarter]
    if maps.shape[:2] != (height, width):
        maps = _resize_area(maps, height, width)
    return maps


@keras.saving.register_keras_serializable(package="cvgeo")
class OrientationChannels(keras.layers.Layer):
    """Appends OriCNN's two orientation channels to every image: [B, H, W, 3] -> [B, H, W, 5].

    The maps are constants of the input size (see `orientation_channels_for`), not weights. Images
    that already carry them (5 channels: OriCNN's training augmentation crops, turns and shifts the
    maps with the pixels, see `cvgeo.data.pair_inputs`) pass unchanged.

    Args:
      branch: "ground" (yaw/pitch of a panorama) or "aerial" (azimuth/radius of a tile).
      mat_path: optional path of the authors' `.mat` file to use instead of the closed form.
    """

    def __init__(self, branch: str, mat_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if branch not in ("ground", "aerial"):
            raise ValueError(f"branch must be 'ground' or 'aerial', got {branch!r}")
        self.branch = branch
        self.mat_path = mat_path
        self._maps = None

    def build(self, input_shape):
        height, width = int(input_shape[1]), int(input_shape[2])
        self._maps = orientation_channels_for(self.branch, height, width, self.mat_path)

    def call(self, images):
        images = tf.cast(images, tf.float32)
        if images.shape[-1] == 5:
            return images
        maps = tf.constant(self._maps, tf.float32)[None]
        maps = tf.tile(maps, [tf.shape(images)[0], 1, 1, 1])
        return tf.concat([images, maps], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 5)

    def get_config(self):
        return {**super().get_config(), "branch": self.branch, "mat_path": self.mat_path}


