"""Realistic's spatial transformers: localisation network, affine / TPS regressors, and the warps.

Realistic-Cross-View-Image-Geo-Localization (`networks/spatial_transf.py`, `networks/tps.py`)
replaces the polar transform with an STN that maps the raw aerial tile to a panorama-sized image.
The grids and the sampling are `cvgeo.geometry`'s PyTorch-equivalent `affine_grid`, `tps_grid` and
`grid_sample` (bilinear, zero padding, align_corners=False).
"""

import keras
import tensorflow as tf

from cvgeo.geometry import affine_grid, grid_sample, tps_grid, tps_target_points
from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization
from cvgeo.layers.resnet import BN_EPSILON, BN_MOMENTUM
from cvgeo.layers.torch_initializers import torch_default_uniform

# (kernel, channels) of the four unpadded convs, each followed by MaxPool(2, 2) -> BN -> ReLU.
LOCALIZATION_CONVS = ((7, 8), (5, 10), (3, 10), (3, 10))
AFFINE_HIDDEN = 64
TPS_HIDDEN = 512
IDENTITY_THETA = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
TPS_GRID_SHAPE = (6, 10)  # control points, rows x columns (Realistic's grid_height, grid_width)
TPS_SPAN = 0.9  # control points span [-0.9, 0.9] in normalised coordinates


def localization_output_shape(height: int, width: int) -> tuple[int, int]:
    """Spatial size after the localisation convs and pools: ((((n - 6)//2 - 4)//2 - 2)//2 - 2)//2.

    Realistic's fc_size formula: 13x13 for 256x256, 7x7 for 160x160, 4x36 for 112x616. A side
    shorter than 54 pixels leaves nothing: its size is 0.
    """

    def shrink(n: int) -> int:
        for kernel, _ in LOCALIZATION_CONVS:
            n = n - (kernel - 1)
            if n < 2:
                return 0
            n //= 2
        return n

    return shrink(height), shrink(width)


def localization_trunk(x: keras.KerasTensor, prefix: str) -> keras.KerasTensor:
    """The four conv stages of Realistic's localisation net, flattened in PyTorch's (C, H, W) order.

    Conv (valid, bias) -> MaxPool 2/2 -> BN -> ReLU, in that order, four times; the first conv
    takes whatever channels `x` has (3 for the aerial, 8 inside the composed STN). Flattening
    channels-first keeps the following Dense kernel's rows in the order of the original's
    `x.view(-1, 10 * fc_size)`, so its fc weights port with a transpose only.
    """
    for index, (kernel, channels) in enumerate(LOCALIZATION_CONVS, start=1):
        fan_in = kernel * kernel * x.shape[-1]
        x = keras.layers.Conv2D(
            channels,
            kernel,
            kernel_initializer=torch_default_uniform(fan_in),
            bias_initializer=torch_default_uniform(fan_in),
            name=f"{prefix}_loc_conv{index}",
        )(x)
        x = keras.layers.MaxPooling2D(2, 2, name=f"{prefix}_loc_pool{index}")(x)
        x = GlobalBatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{prefix}_loc_bn{index}")(x)
        x = keras.layers.ReLU(name=f"{prefix}_loc_relu{index}")(x)
    x = keras.layers.Permute((3, 1, 2), name=f"{prefix}_loc_to_chw")(x)
    return keras.layers.Flatten(name=f"{prefix}_loc_flatten")(x)


def _regressor(features: keras.KerasTensor, prefix: str, hidden: int, outputs: list[float]) -> keras.KerasTensor:
    """Linear -> ReLU -> Linear whose last layer starts at zero weights and bias `outputs`."""
    fan_in = features.shape[-1]
    x = keras.layers.Dense(
        hidden,
        activation="relu",
        kernel_initializer=torch_default_uniform(fan_in),
        bias_initializer=torch_default_uniform(fan_in),
        name=f"{prefix}_loc_fc1",
    )(features)
    return keras.layers.Dense(
        len(outputs),
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(outputs),
        name=f"{prefix}_loc_fc2",
    )(x)


def affine_regressor(features: keras.KerasTensor, prefix: str) -> keras.KerasTensor:
    """theta [B, 6] (row-major 2x3) from localisation features; starts as the identity for any input.

    Realistic `AffineLocalization`: Linear(-> 64) -> ReLU -> Linear(64 -> 6), last weight zeros,
    bias [1, 0, 0, 0, 1, 0].
    """
    return _regressor(features, prefix, AFFINE_HIDDEN, list(IDENTITY_THETA))


def tps_regressor(
    features: keras.KerasTensor, prefix: str, grid_shape: tuple[int, int] = TPS_GRID_SHAPE, span: float = TPS_SPAN
) -> keras.KerasTensor:
    """Source control points [B, 2N], (x, y) pairs, from localisation features; starts at the target points.

    Realistic `TPSLocalization` (unbounded, its default): Linear(-> 512) -> ReLU -> Linear(512 ->
    2N), last weight zeros, bias = the target control points, so the initial warp is the identity TPS.
    """
    targets = tps_target_points(grid_shape, span)
    return _regressor(features, prefix, TPS_HIDDEN, [float(v) for v in targets.reshape(-1)])


@keras.saving.register_keras_serializable(package="cvgeo")
class AffineWarp(keras.layers.Layer):
    """Samples images [B, H, W, C] on the affine grid of theta [B, 6] -> [B, height, width, C].

    PyTorch's `grid_sample(x, affine_grid(theta, (B, C, height, width)))`, bilinear, zero padding,
    align_corners=False, as Realistic's affine STN.
    """

    def __init__(self, height: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)

    def call(self, inputs):
        images, theta = inputs
        grid = affine_grid(tf.reshape(theta, [-1, 2, 3]), self.height, self.width)
        return grid_sample(images, grid)

    def compute_output_shape(self, input_shapes):
        images_shape = input_shapes[0]
        return (images_shape[0], self.height, self.width, images_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


@keras.saving.register_keras_serializable(package="cvgeo")
class TpsWarp(keras.layers.Layer):
    """Samples images [B, H, W, C] on the thin-plate-spline grid of source points [B, 2N] -> [B, height, width, C].

    The points are (x, y) pairs in the order of `tps_target_points(grid_shape, span)`; the TPS maps
    those targets onto them (`cvgeo.geometry.tps_grid`, Realistic's `TPSGridGen`). Bilinear, zero
    padding, align_corners=False.
    """

    def __init__(self, height: int, width: int, grid_shape: tuple[int, int] = TPS_GRID_SHAPE, span: float = TPS_SPAN, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)
        self.grid_shape = tuple(int(n) for n in grid_shape)
        self.span = float(span)

    def call(self, inputs):
        images, points = inputs
        points = tf.reshape(points, [-1, self.grid_shape[0] * self.grid_shape[1], 2])
        grid = tps_grid(points, self.height, self.width, grid_shape=self.grid_shape, span=self.span)
        return grid_sample(images, grid)

    def compute_output_shape(self, input_shapes):
        images_shape = input_shapes[0]
        return (images_shape[0], self.height, self.width, images_shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "grid_shape": self.grid_shape,
            "span": self.span,
        }


def spatial_transformer(
    x: keras.KerasTensor,
    prefix: str,
    output_shape: tuple[int, int],
    *,
    kind: str = "tps",
    grid_shape: tuple[int, int] = TPS_GRID_SHAPE,
    span: float = TPS_SPAN,
) -> keras.KerasTensor:
    """Realistic's `SpatialTransf`: localisation net on `x`, then `x` warped to `output_shape`.

    Args:
      x: [B, H, W, C] images or features; H and W must be at least 54 for the localisation net.
      prefix: layer-name prefix.
      output_shape: (height, width) of the warped output.
      kind: "affine" (6 parameters) or "tps" (2N control-point coordinates, unbounded).
      grid_shape, span: TPS control grid (rows, columns) and its extent; TPS only.
    Returns:
      [B, output height, output width, C].
    """
    if kind not in ("affine", "tps"):
        raise ValueError(f"kind must be 'affine' or 'tps', got {kind!r}")
    rows, columns = localization_output_shape(x.shape[1], x.shape[2])
    if rows < 1 or columns < 1:
        raise ValueError(f"the localisation net needs inputs of at least 54x54, got {x.shape[1]}x{x.shape[2]}")
    features = localization_trunk(x, prefix)
    height, width = output_shape
    if kind == "affine":
        return AffineWarp(height, width, name=f"{prefix}_warp")([x, affine_regressor(features, prefix)])
    points = tps_regressor(features, prefix, grid_shape, span)
    return TpsWarp(height, width, grid_shape, span, name=f"{prefix}_warp")([x, points])
