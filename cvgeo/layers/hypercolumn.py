"""Hypercolumn: feature maps resized bilinearly to the last map's grid and concatenated."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class Hypercolumn(keras.layers.Layer):
    """[map_1, ..., map_n] -> concat([resize(map_1), ..., map_n], channels) at map_n's grid.

    Resizing is `tf.image.resize(..., "bilinear")` (half-pixel centres, no antialias), which equals
    the sampling OriCNN's `encoder_net.py` writes by hand for its e5/e6 -> e7 hypercolumn.
    """

    def call(self, maps):
        target = tf.shape(maps[-1])[1:3]
        resized = [tf.image.resize(m, target, method="bilinear", antialias=False) for m in maps[:-1]]
        return tf.concat([*resized, maps[-1]], axis=-1)

    def compute_output_shape(self, input_shapes):
        last = input_shapes[-1]
        return (*last[:-1], sum(int(s[-1]) for s in input_shapes))
