"""SAFA (Shi et al., "Spatial-Aware Feature Aggregation for Cross-View Image Based Geo-Localization", NeurIPS 2019).

Follows the official TF1 code (`spatial_net.py`, `VGG.py`): per branch, VGG16 with SAME pools
(the four of `VGG16_conv` plus one more after conv5_3), the spatial-aware attention with 8 heads,
d-major aggregation to 4096-d and L2. The branches share nothing. The reference input is the
polar-transformed aerial image, of the same size as the panorama.
"""

import keras

from cvgeo.layers.caffe_preprocessing import CaffePreprocessing
from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.spatial_aware_attention import SpatialAwareAggregation
from cvgeo.layers.vgg import vgg16_features
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.model_option_error import ModelOptionError

GROUND_SHAPE = (112, 616)  # panoramas resized to 616x112 with INTER_AREA
POLAR_SHAPE = (112, 616)  # polar-transformed aerial images (S = 750 -> 112x616)
HEADS = 8  # SAFA_8
DESCRIPTOR_DIM = HEADS * 512


def build_safa(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = POLAR_SHAPE,
    *,
    sa_pool: str = "mean",
    heads: int = HEADS,
    dropout_rate: float = 0.2,
    batch_norm: bool = False,
    vgg_width: float = 1.0,
) -> CrossViewModel:
    """SAFA: VGG16 (SAME pools, pool5 added) + spatial-aware aggregation per branch, L2-normalised.

    29,533,696 parameters at 112x616 (the attention weights scale with the feature grid, 4x20 there).
    `sa_pool="mean"` is the official TF code; "max" is the VIGOR / Toker variant. Dropout (the
    original's keep_prob 0.8) follows every ReLU of blocks 4 and 5 in training only.
    `batch_norm=True` and `vgg_width` < 1 (narrower convs) are not SAFA: they make a light network
    that learns from scratch in minutes, for the demo.
    """
    if sa_pool not in ("mean", "max"):
        raise ModelOptionError(f"sa_pool must be 'mean' (official SAFA) or 'max' (VIGOR / Toker), got {sa_pool!r}")
    query_input = keras.Input((*query_shape, 3), name="ground")
    reference_input = keras.Input((*reference_shape, 3), name="polar_aerial")
    outputs = []
    for branch, images in (("grd", query_input), ("sat", reference_input)):
        x = CaffePreprocessing(name=f"{branch}_preprocessing")(images)
        # VGG.py trains every layer (no frozen blocks); spatial_net.py pools once more, SAME.
        x = vgg16_features(
            x, f"vgg_{branch}", pool_after_blocks=(1, 2, 3, 4, 5), dropout_rate=dropout_rate, frozen_blocks=(),
            batch_norm=batch_norm, width=vgg_width,
        )
        x = SpatialAwareAggregation(heads, sa_pool, name=f"spatial_{branch}")(x)
        outputs.append(L2Normalization(name=f"{branch}_descriptor")(x))
    return CrossViewModel(
        query_input=query_input,
        query_output=outputs[0],
        reference_input=reference_input,
        reference_output=outputs[1],
        descriptor_dim=int(outputs[0].shape[-1]),
        name="safa",
    )
