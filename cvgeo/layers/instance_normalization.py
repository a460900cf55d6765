"""Instance normalisation with affine parameters, PyTorch's nn.InstanceNorm2d(affine=True)."""

import keras

# nn.InstanceNorm2d's default eps.
INSTANCE_NORM_EPSILON = 1e-5


def instance_normalization(channels: int, name: str) -> keras.layers.GroupNormalization:
    """GroupNormalization with one group per channel: per-sample, per-channel statistics over H x W.

    nn.InstanceNorm2d(affine=True) keeps no running statistics by default, so the instance
    statistics are used at test time as well, as here; scale 1 and offset 0 at the start.
    """
    return keras.layers.GroupNormalization(groups=channels, epsilon=INSTANCE_NORM_EPSILON, name=name)
