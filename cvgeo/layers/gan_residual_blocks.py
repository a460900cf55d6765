"""The convolution and residual blocks of Toker et al.'s generator (`networks/c_gan.py`, spec 3.3).

Layer names mirror the original's module paths with "." -> "_" under a prefix, e.g.
`generator_conv1_conv_r1` for `conv1.conv_r1.conv2d`, so the PyTorch name map is a replacement.
Channels-last.
"""

import keras

from cvgeo.layers.instance_normalization import instance_normalization
from cvgeo.layers.reflection_padding import ReflectionPadding2D
from cvgeo.layers.torch_initializers import torch_default_uniform


def spectral_conv(x: keras.KerasTensor, channels: int, kernel: int, name: str) -> keras.KerasTensor:
    """`ConvLayer`: reflection padding kernel // 2, then a spectral-normalised conv with bias, stride 1.

    The kernel keeps PyTorch's default initialisation and the bias starts at 0: the original's
    `init_weights` (N(0, 0.02) weights, zero biases) reaches a spectral-normalised conv's bias but
    its weight only through the derived `weight`, recomputed from `weight_orig` (spec 3.3).

    Keras' SpectralNormalization differs from torch.nn.utils.spectral_norm in how it trains: it
    overwrites the kernel with kernel / sigma on each training call and the optimizer then steps
    that normalised kernel, where PyTorch keeps `weight_orig`, steps it, and differentiates through
    sigma. The forward pass (one power iteration, then W / sigma) is the same; a `.pth` import
    stores W_orig / sigma as the kernel.
    """
    if kernel // 2:
        x = ReflectionPadding2D(kernel // 2, name=f"{name}_pad")(x)
    conv = keras.layers.Conv2D(
        channels, kernel, kernel_initializer=torch_default_uniform(kernel * kernel * x.shape[-1]),
        bias_initializer="zeros", name=f"{name}_conv",
    )
    return keras.layers.SpectralNormalization(conv, name=name)(x)


def residual_block_down(x: keras.KerasTensor, channels: int, name: str) -> keras.KerasTensor:
    """`ResidualBlockDown`: avgpool2(conv(relu(conv(relu(x))))) + avgpool2(conv1x1(x)); halves H and W."""
    y = keras.layers.ReLU(name=f"{name}_relu1")(x)
    y = spectral_conv(y, channels, 3, f"{name}_conv_r1")
    y = keras.layers.ReLU(name=f"{name}_relu2")(y)
    y = spectral_conv(y, channels, 3, f"{name}_conv_r2")
    y = keras.layers.AveragePooling2D(2, name=f"{name}_pool_r")(y)
    shortcut = spectral_conv(x, channels, 1, f"{name}_conv_l")
    shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_pool_l")(shortcut)
    return keras.layers.Add(name=f"{name}_add")([shortcut, y])


def residual_block_up(x: keras.KerasTensor, channels: int, name: str) -> keras.KerasTensor:
    """`ResidualBlockUp`: conv(relu(IN(conv(up(relu(IN(x))))))) + conv1x1(up(x)), nearest upsampling x2."""
    y = instance_normalization(x.shape[-1], f"{name}_norm_r1")(x)
    y = keras.layers.ReLU(name=f"{name}_relu1")(y)
    y = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up_r")(y)
    y = spectral_conv(y, channels, 3, f"{name}_conv_r1")
    y = instance_normalization(channels, f"{name}_norm_r2")(y)
    y = keras.layers.ReLU(name=f"{name}_relu2")(y)
    y = spectral_conv(y, channels, 3, f"{name}_conv_r2")
    shortcut = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up_l")(x)
    shortcut = spectral_conv(shortcut, channels, 1, f"{name}_conv_l")
    return keras.layers.Add(name=f"{name}_add")([shortcut, y])


def residual_block(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    """`ResidualBlock`: IN(conv(relu(IN(conv(x))))) + x, no activation after the addition."""
    channels = x.shape[-1]
    y = spectral_conv(x, channels, 3, f"{name}_conv1")
    y = instance_normalization(channels, f"{name}_in1")(y)
    y = keras.layers.ReLU(name=f"{name}_relu")(y)
    y = spectral_conv(y, channels, 3, f"{name}_conv2")
    y = instance_normalization(channels, f"{name}_in2")(y)
    return keras.layers.Add(name=f"{name}_add")([y, x])
