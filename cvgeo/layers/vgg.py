"""The convolutional part of VGG16, configurable the ways the cross-view originals differ."""

from collections.abc import Sequence

import keras

from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization

# (block, number of 3x3 convs, channels) for VGG16's thirteen conv layers.
VGG16_BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))


def vgg16_conv_layer_names(prefix: str) -> list[str]:
    """Keras layer names of the thirteen convs, e.g. `vgg_grd_conv4_2`, in network order."""
    return [f"{prefix}_conv{b}_{i}" for b, n, _ in VGG16_BLOCKS for i in range(1, n + 1)]


def vgg16_features(
    x: keras.KerasTensor,
    prefix: str,
    *,
    pool_after_blocks: Sequence[int] = (1, 2, 3, 4),
    dropout_blocks: Sequence[int] = (4, 5),
    dropout_rate: float = 0.2,
    frozen_blocks: Sequence[int] = (1, 2, 3),
    last_activation: bool = True,
    batch_norm: bool = False,
    width: float = 1.0,
) -> keras.KerasTensor:
    """Applies VGG16's 13 convs (3x3, SAME, bias, ReLU) with 2x2/2 SAME max-pools to `x`.

    The defaults are CVM-Net's `VGG.py`: pools after blocks 1-4 (no pool5), dropout after every ReLU
    of blocks 4 and 5 (training only; the original's keep_prob 0.8), blocks 1-3 frozen.
    SAFA adds a pool after block 5; CrossLocate drops the ReLU of conv5_3 (`last_activation=False`).

    Args:
      x: [B, H, W, C] preprocessed images.
      prefix: layer-name prefix; layers are named `{prefix}_conv{block}_{index}`.
      pool_after_blocks: blocks followed by a 2x2 stride-2 SAME max-pool.
      dropout_blocks: blocks whose convs are followed by dropout at `dropout_rate` in training.
      frozen_blocks: blocks whose convs are not trainable.
      last_activation: whether conv5_3 has its ReLU.
      batch_norm: not in any original; inserts BatchNormalization between each conv and its ReLU
        (a training aid for from-scratch runs on small data).
      width: not in any original; scales every conv's channels (at least 8), for light demo networks.
    Returns:
      The feature map after the last conv (and pool, if block 5 is pooled).
    """
    glorot = keras.initializers.GlorotUniform()
    for block, count, channels in VGG16_BLOCKS:
        channels = max(8, round(channels * width))
        for index in range(1, count + 1):
            name = f"{prefix}_conv{block}_{index}"
            is_last = block == 5 and index == count
            activate = last_activation or not is_last
            conv_activation = "relu" if activate and not batch_norm else None
            x = keras.layers.Conv2D(
                channels,
                3,
                padding="same",
                activation=conv_activation,
                kernel_initializer=glorot,
                bias_initializer=glorot,
                trainable=block not in frozen_blocks,
                name=name,
            )(x)
            if batch_norm:
                # Momentum 0.9 (Keras: 0.99) so the moving statistics settle within a short run.
                x = GlobalBatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
                if activate:
                    x = keras.layers.ReLU(name=f"{name}_relu")(x)
            if block in dropout_blocks and dropout_rate > 0:
                x = keras.layers.Dropout(dropout_rate, name=f"{name}_dropout")(x)
        if block in pool_after_blocks:
            x = keras.layers.MaxPooling2D(2, 2, padding="same", name=f"{prefix}_pool{block}")(x)
    return x
