"""torchvision's ResNet-34 as Keras functional blocks, with layer names that mirror torchvision's modules.

Every weighted layer is named `{prefix}_{torchvision module path with "." -> "_"}`, e.g.
`resnet_grd_layer2_0_downsample_0` for torchvision's `layer2.0.downsample.0`, so the ImageNet
loader's name map is a string replacement. Channels-last; convs have no bias (as torchvision).
"""

import keras

from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization
from cvgeo.layers.torch_initializers import torch_default_uniform

# (stage, BasicBlocks, channels) of torchvision's resnet34: layers=[3, 4, 6, 3].
RESNET34_STAGES = ((1, 3, 64), (2, 4, 128), (3, 6, 256), (4, 3, 512))
# torchvision's nn.BatchNorm2d defaults: eps 1e-5, momentum 0.1 (PyTorch weights the new batch
# statistic by 0.1; Keras weights the old moving value by `momentum`, hence 0.9).
BN_EPSILON = 1e-5
BN_MOMENTUM = 0.9
def _conv_init() -> keras.initializers.Initializer:
    """torchvision resnet.py's kaiming_normal_(mode="fan_out", nonlinearity="relu"), one per conv: an
    instance made at import would fix its seed before the run seeds Keras, and repeat its draws."""
    return keras.initializers.VarianceScaling(2.0, mode="fan_out", distribution="untruncated_normal")


def _conv_bn(x: keras.KerasTensor, channels: int, kernel: int, stride: int, name: str, bn_name: str) -> keras.KerasTensor:
    """Conv (no bias) with PyTorch's symmetric padding kernel // 2, then batch norm."""
    padding = kernel // 2
    if stride == 1:
        # Stride 1, odd kernel: Keras "same" pads kernel // 2 on every side, exactly as PyTorch.
        conv_padding = "same"
    else:
        # Stride 2: Keras "same" would pad only bottom/right on even sizes; PyTorch pads both sides.
        x = keras.layers.ZeroPadding2D(padding, name=f"{name}_pad")(x) if padding else x
        conv_padding = "valid"
    x = keras.layers.Conv2D(
        channels, kernel, stride, padding=conv_padding, use_bias=False, kernel_initializer=_conv_init(), name=name
    )(x)
    return GlobalBatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=bn_name)(x)


def basic_block(x: keras.KerasTensor, channels: int, stride: int, name: str) -> keras.KerasTensor:
    """torchvision's BasicBlock: conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the (projected) input, ReLU.

    The shortcut is a 1x1 conv (stride) + BN (`downsample`) when the stride or the width changes.
    """
    shortcut = x
    if stride != 1 or x.shape[-1] != channels:
        shortcut = _conv_bn(x, channels, 1, stride, f"{name}_downsample_0", f"{name}_downsample_1")
    y = _conv_bn(x, channels, 3, stride, f"{name}_conv1", f"{name}_bn1")
    y = keras.layers.ReLU(name=f"{name}_relu1")(y)
    y = _conv_bn(y, channels, 3, 1, f"{name}_conv2", f"{name}_bn2")
    y = keras.layers.Add(name=f"{name}_add")([y, shortcut])
    return keras.layers.ReLU(name=f"{name}_relu2")(y)


def resnet34_features(
    x: keras.KerasTensor, prefix: str, *, stages: int = 4, maxpool: bool = True
) -> keras.KerasTensor:
    """Applies ResNet-34's stem and its first `stages` residual stages to preprocessed images `x`.

    The full network (`stages=4, maxpool=True`) has output stride 32 and 512 channels.
    Toker's retrieval branch (`networks/safa.py` / `backbones.py`, reused by Realistic) keeps
    conv1, bn1, relu, skips the maxpool and keeps layer1-3 (`stages=3, maxpool=False`): output
    stride 8 with 256 channels, 14x77 for a 112x616 input. No stride is changed.

    Args:
      x: [B, H, W, 3] images, normalised as torchvision's ImageNet weights expect.
      prefix: layer-name prefix, e.g. "resnet_grd".
      stages: residual stages kept, 1-4 (torchvision's layer1 ... layer4).
      maxpool: whether the stem's 3x3/2 max-pool is applied.
    Returns:
      The feature map after the last kept stage.
    """
    if not 1 <= stages <= len(RESNET34_STAGES):
        raise ValueError(f"stages must be 1..{len(RESNET34_STAGES)}, got {stages}")
    x = _conv_bn(x, 64, 7, 2, f"{prefix}_conv1", f"{prefix}_bn1")
    x = keras.layers.ReLU(name=f"{prefix}_relu")(x)
    if maxpool:
        # torchvision: MaxPool2d(3, 2, padding=1) pads with -inf; after the ReLU every value is
        # >= 0, so zero padding gives the same maxima.
        x = keras.layers.ZeroPadding2D(1, name=f"{prefix}_maxpool_pad")(x)
        x = keras.layers.MaxPooling2D(3, 2, name=f"{prefix}_maxpool")(x)
    for stage, blocks, channels in RESNET34_STAGES[:stages]:
        for index in range(blocks):
            stride = 2 if stage > 1 and index == 0 else 1
            x = basic_block(x, channels, stride, f"{prefix}_layer{stage}_{index}")
    return x


def resnet34_classifier(input_shape: tuple[int, int] = (224, 224), classes: int = 1000, prefix: str = "resnet34") -> keras.Model:
    """The whole torchvision ResNet-34: features, global average pool, fc (logits).

    21,797,672 trainable parameters with 1000 classes, as torchvision's `resnet34()`.
    """
    inputs = keras.Input((*input_shape, 3), name=f"{prefix}_input")
    x = resnet34_features(inputs, prefix)
    x = keras.layers.GlobalAveragePooling2D(name=f"{prefix}_avgpool")(x)
    # torchvision leaves fc at nn.Linear's default initialisation.
    fan_in = RESNET34_STAGES[-1][2]
    logits = keras.layers.Dense(
        classes,
        kernel_initializer=torch_default_uniform(fan_in),
        bias_initializer=torch_default_uniform(fan_in),
        name=f"{prefix}_fc",
    )(x)
    return keras.Model(inputs, logits, name=prefix)
