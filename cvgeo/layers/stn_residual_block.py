"""The residual block between the stacked spatial transformers of Realistic's composed STN."""

import keras
import tensorflow as tf

from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization
from cvgeo.layers.resnet import BN_EPSILON, BN_MOMENTUM
from cvgeo.layers.torch_initializers import torch_default_uniform


@keras.saving.register_keras_serializable(package="cvgeo")
class ChannelPadOrCrop(keras.layers.Layer):
    """The parameter-free shortcut of Realistic's ResidualBlock: fits the channel count to `channels`.

    Realistic (`networks/spatial_transf.py`, commit 6e9f3be) pads the channel axis with
    `F.pad(x, (0, 0, 0, 0, 0, out - in))`: zeros appended when widening (3 -> 8) and, since a
    negative pad crops, only the first `out` channels kept when narrowing (8 -> 3).
    """

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)

    def call(self, x):
        extra = self.channels - x.shape[-1]
        if extra >= 0:
            return tf.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])
        return x[..., : self.channels]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


def stn_residual_block(x: keras.KerasTensor, channels: int, name: str) -> keras.KerasTensor:
    """Realistic's ResidualBlock (stride 1, the only stride its composed STN uses).

    relu(bn2(conv2(relu(bn1(conv1(x)))) + shortcut(x))): unlike torchvision's BasicBlock the second
    batch norm comes *after* the addition. Convs are 3x3 with padding 1 and bias, at PyTorch's
    default initialisation; batch norm at PyTorch's defaults. Layer names follow the original's
    attributes (`conv1`, `conv1_bn`, `conv2`, `conv2_bn`).
    """

    def conv(inputs, suffix):
        fan_in = 9 * inputs.shape[-1]
        return keras.layers.Conv2D(
            channels,
            3,
            padding="same",  # stride 1, kernel 3: one pixel each side, as padding=1
            kernel_initializer=torch_default_uniform(fan_in),
            bias_initializer=torch_default_uniform(fan_in),
            name=f"{name}_{suffix}",
        )(inputs)

    def batch_norm(inputs, suffix):
        return GlobalBatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_{suffix}")(inputs)

    y = keras.layers.ReLU(name=f"{name}_relu1")(batch_norm(conv(x, "conv1"), "conv1_bn"))
    shortcut = x if x.shape[-1] == channels else ChannelPadOrCrop(channels, name=f"{name}_skip")(x)
    y = keras.layers.Add(name=f"{name}_add")([conv(y, "conv2"), shortcut])
    return keras.layers.ReLU(name=f"{name}_relu2")(batch_norm(y, "conv2_bn"))
