"""SAFA with a spatial transformer instead of the polar transform (Realistic-Cross-View-Image-Geo-Localization).

Realistic (`networks/safa.py`, `networks/spatial_transf.py`; spec 4) builds on Toker's retrieval
branch with the GAN removed: two un-shared truncated ResNet-34s (conv1-bn1-relu, no maxpool,
layer1-3: stride 8, 256 channels), each followed by SAFA's spatial-aware attention with channel
max and 8 heads, c-major aggregation to 2048-d and L2. The query is the street panorama; the
reference is the raw aerial tile, which an STN warps to the panorama's size before its ResNet:
  * "affine": one STN with 6 affine parameters, starting at the identity;
  * "tps": one STN with a thin-plate spline on a 6x10 control grid, starting at the identity
    (Realistic's default);
  * "composed": STN -> ResidualBlock(3->8) -> STN(8 ch) -> ResidualBlock(8->3) -> STN, all affine
    (commit 6e9f3be; the "stacked affine" of the README's figure).
None starts as a polar warp: only the optional L1 loss toward the polar image (weight 1) pulls it
there. The warped aerial is exposed for that loss (see `SafaStnModel`).

Layer names: `resnet_grd` / `spatial_grd` (Realistic's `extract1` / `sa1`, the street) and
`resnet_sat` / `spatial_sat` (`extract2` / `sa2`, the transformed aerial); STN layers start with `stn`.
"""

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from cvgeo.layers.imagenet_normalization import ImageNetNormalization
from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.resnet import resnet34_features
from cvgeo.layers.spatial_aware_attention import SpatialAwareAggregation
from cvgeo.layers.spatial_transformer import TPS_GRID_SHAPE, TPS_SPAN, localization_output_shape, spatial_transformer
from cvgeo.layers.stn_residual_block import stn_residual_block
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.model_option_error import ModelOptionError

GROUND_SHAPE = (112, 616)  # panoramas, INTER_CUBIC (Realistic `--pano_size`)
AERIAL_SHAPE = (256, 256)  # raw aerial tiles, INTER_CUBIC (Realistic `--sate_size`, CVUSA)
HEADS = 8
FEATURE_CHANNELS = 256  # ResNet-34 layer3
DESCRIPTOR_DIM = HEADS * FEATURE_CHANNELS
LATENT_CHANNELS = 8  # composed STN: channels between the residual blocks


class SafaStnModel(CrossViewModel):
    """A CrossViewModel whose reference branch starts with a spatial transformer, exposing its output.

    Besides the CrossViewModel contract (`model((street, aerial))` -> descriptors, `embed_*`):
      * `with_transformed_reference((street, aerial), training=...)` -> (query descriptors,
        reference descriptors, warped aerial) in one pass, for a training step that adds
        Realistic's L1 loss: `mean(|warped - model.normalize(polar)|)`, weight 1 (spec 4.3);
      * `transform_reference(aerial)` -> the warped aerial as float32 numpy (inference mode);
      * `normalize(images)` -> the in-graph input preprocessing (ImageNet mean/std on RGB / 255),
        the space the warped aerial lives in, so an L1 target gets the same treatment.

    Attributes (besides CrossViewModel's):
      transform_shape: (height, width) of the warped aerial.
      reference_transformer: the Keras model aerial -> warped aerial.
    """

    def __init__(
        self,
        *,
        query_input: keras.KerasTensor,
        query_output: keras.KerasTensor,
        reference_input: keras.KerasTensor,
        reference_output: keras.KerasTensor,
        transformed_reference: keras.KerasTensor,
        descriptor_dim: int,
        name: str,
    ):
        super().__init__(
            query_input=query_input,
            query_output=query_output,
            reference_input=reference_input,
            reference_output=reference_output,
            descriptor_dim=descriptor_dim,
            name=name,
        )
        self.reference_transformer = keras.Model(reference_input, transformed_reference, name=f"{name}_reference_transformer")
        self.with_transformed_reference = keras.Model(
            (query_input, reference_input),
            (query_output, reference_output, transformed_reference),
            name=f"{name}_with_transformed_reference",
        )
        self.transform_shape = tuple(int(s) for s in transformed_reference.shape[1:3])
        self._normalization = ImageNetNormalization(name=f"{name}_target_normalization")

    def transform_reference(self, images: np.ndarray | Sequence, batch_size: int | None = None) -> np.ndarray:
        """Warped aerials [N, *transform_shape, 3] (float32 numpy, normalised) of aerial images [N, H, W, 3] (RGB, 0..255)."""
        return self._run_batched("transform_reference", self.reference_transformer, images, "reference_shape", batch_size)

    def normalize(self, images: tf.Tensor | np.ndarray) -> tf.Tensor:
        """RGB 0..255 -> (rgb / 255 - ImageNet mean) / std, the model's input preprocessing (spec 4.3)."""
        return self._normalization(images)


def _aerial_transformer(kind: str, grid_shape: tuple[int, int], span: float, latent_channels: int) -> Callable:
    """x [B, H, W, 3] -> warped [B, *transform_shape, 3] for one of the three STN variants."""

    def single(x, transform_shape):
        return spatial_transformer(x, "stn", transform_shape, kind=kind, grid_shape=grid_shape, span=span)

    def composed(x, transform_shape):
        # Realistic `ComposedSpatialTransf` at 6e9f3be: three affine STNs; the second and third
        # regress from the already warped (panorama-sized) maps.
        x = spatial_transformer(x, "stn1", transform_shape, kind="affine")
        x = stn_residual_block(x, latent_channels, "stn_residual1")
        x = spatial_transformer(x, "stn2", transform_shape, kind="affine")
        x = stn_residual_block(x, 3, "stn_residual2")
        return spatial_transformer(x, "stn3", transform_shape, kind="affine")

    return composed if kind == "composed" else single


def _build(
    kind: str,
    query_shape: tuple[int, int],
    reference_shape: tuple[int, int],
    transform_shape: tuple[int, int] | None,
    heads: int,
    *,
    grid_shape: tuple[int, int] = TPS_GRID_SHAPE,
    span: float = TPS_SPAN,
    latent_channels: int = LATENT_CHANNELS,
) -> SafaStnModel:
    transform_shape = tuple(transform_shape or query_shape)
    localised = [("reference_shape", tuple(reference_shape))]
    if kind == "composed":
        localised.append(("transform_shape", transform_shape))  # the 2nd and 3rd STN localise there
    for option, (height, width) in localised:
        if min(localization_output_shape(height, width)) < 1:
            raise ModelOptionError(f"{option} must be at least 54x54 for the STN's localisation net, got {height}x{width}")
    for option, (height, width) in (("query_shape", tuple(query_shape)), ("transform_shape", transform_shape)):
        # Three stride-2 layers with PyTorch padding give ceil(n / 8); the attention's hidden
        # layer has HW // 2 units, so at least two positions are needed.
        if -(-height // 8) * -(-width // 8) < 2:
            raise ModelOptionError(f"{option} {height}x{width} leaves fewer than 2 positions after the stride-8 ResNet-34")
    if kind == "tps" and (min(grid_shape) < 2 or not 0.0 < span < 1.0):
        raise ModelOptionError(f"grid_shape needs >= 2 rows and columns and span must be in (0, 1), got {grid_shape}, {span}")
    name = f"safa_stn_{kind}"
    query_input = keras.Input((*query_shape, 3), name="ground")
    reference_input = keras.Input((*reference_shape, 3), name="aerial")
    warped = _aerial_transformer(kind, grid_shape, span, latent_channels)(
        ImageNetNormalization(name="sat_preprocessing")(reference_input), transform_shape
    )
    outputs = []
    for branch, x in (("grd", ImageNetNormalization(name="grd_preprocessing")(query_input)), ("sat", warped)):
        # Toker `networks/safa.py` / Realistic `backbones.ResNet34`: resnet34 children[:3] + layer1-3.
        x = resnet34_features(x, f"resnet_{branch}", stages=3, maxpool=False)
        # Toker / Realistic `SA`: channel max, N(0, 0.005) weights, [B, C, heads] flattened c-major.
        x = SpatialAwareAggregation(heads, "max", layout="c_major", weights_init="normal", name=f"spatial_{branch}")(x)
        outputs.append(L2Normalization(name=f"{branch}_descriptor")(x))
    return SafaStnModel(
        query_input=query_input,
        query_output=outputs[0],
        reference_input=reference_input,
        reference_output=outputs[1],
        transformed_reference=warped,
        descriptor_dim=heads * FEATURE_CHANNELS,
        name=name,
    )


def build_safa_stn_affine(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    transform_shape: tuple[int, int] | None = None,
    heads: int = HEADS,
) -> SafaStnModel:
    """SAFA + affine STN (Realistic `--use_affine`): the aerial warped to `transform_shape` (default: query_shape).

    35,073,528 trainable parameters at the native sizes: STN 113,704 (localisation 5,090, head
    1690->64->6), 2 x ResNet-34 to layer3 (8,170,304 each), 2 x attention at 14x77 (9,309,608 each).
    """
    return _build("affine", query_shape, reference_shape, transform_shape, heads)


def build_safa_stn_tps(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    transform_shape: tuple[int, int] | None = None,
    heads: int = HEADS,
    grid_shape: tuple[int, int] = TPS_GRID_SHAPE,
    span: float = TPS_SPAN,
) -> SafaStnModel:
    """SAFA + thin-plate-spline STN (Realistic's default): `grid_shape` control points over [-span, span]^2.

    35,892,266 trainable parameters at the native sizes: STN 932,442 (localisation 5,090, head
    1690->512->120), the rest as `build_safa_stn_affine`.
    """
    return _build("tps", query_shape, reference_shape, transform_shape, heads, grid_shape=grid_shape, span=span)


def build_safa_stn_composed(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    transform_shape: tuple[int, int] | None = None,
    heads: int = HEADS,
    latent_channels: int = LATENT_CHANNELS,
) -> SafaStnModel:
    """SAFA + three stacked affine STNs with residual blocks between them (Realistic commit 6e9f3be).

    35,272,051 trainable parameters at the native sizes: STNs 113,704 + 99,664 (8 channels,
    1440->64->6) + 97,704, residual blocks 840 + 315, the rest as `build_safa_stn_affine`.
    """
    return _build("composed", query_shape, reference_shape, transform_shape, heads, latent_channels=latent_channels)
