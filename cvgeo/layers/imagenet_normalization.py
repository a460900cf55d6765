"""torchvision's ImageNet input normalisation as a Keras layer (RGB 0..255 in)."""

import keras
import tensorflow as tf

# torchvision's ImageNet statistics; Realistic (`data/cvusa.py`, CVUSA) normalises with these
# after ToTensor's /255 (spec 4.3).
IMAGENET_RGB_MEAN = (0.485, 0.456, 0.406)
IMAGENET_RGB_STD = (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="cvgeo")
class ImageNetNormalization(keras.layers.Layer):
    """(rgb / 255 - mean) / std per channel, as `ToTensor()` + `Normalize(mean, std)`.

    Input: [..., 3] RGB, any real or integer dtype, values 0..255. Output: float32, same shape.
    """

    def __init__(
        self,
        mean: tuple[float, float, float] = IMAGENET_RGB_MEAN,
        std: tuple[float, float, float] = IMAGENET_RGB_STD,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)

    def call(self, images):
        scaled = tf.cast(images, tf.float32) / 255.0
        return (scaled - tf.constant(self.mean, tf.float32)) / tf.constant(self.std, tf.float32)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "std": self.std}
