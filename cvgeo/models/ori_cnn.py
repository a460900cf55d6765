"""OriCNN (Liu & Li, "Lending Orientation to Neural Networks for Cross-view Geo-localization", CVPR 2019).

Follows the authors' TF1 code (`OriNet_CVUSA/encoder_net.py`,
`create_generator_gem_pooling_shallow_concatLast3conv`): per branch, a pix2pix-style encoder of seven
4x4/2 convolutions over the BGR image plus two orientation channels, a hypercolumn of the last
three BN outputs, GeM (p = 3) and L2. The branches share nothing. Layer names map onto the TF1
scopes `{grd,sat}_rgboriencoder_k/{conv2d,batch_normalization}` (see `cvgeo.checkpoints`).
"""

import os

import keras

from cvgeo.layers.batch_statistics_normalization import BatchStatisticsNormalization
from cvgeo.layers.generalized_mean_pooling import GeneralizedMeanPooling
from cvgeo.layers.hypercolumn import Hypercolumn
from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.orientation_channels import OrientationChannels
from cvgeo.layers.signed_bgr_preprocessing import SignedBGRPreprocessing
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.model_option_error import ModelOptionError

GROUND_SHAPE = (224, 1232)  # CVUSA panoramas at native size
AERIAL_SHAPE = (512, 512)  # CVUSA 750x750 tiles resized with INTER_AREA
ENCODER_CHANNELS = (64, 128, 256, 512, 512, 512, 512)
DESCRIPTOR_DIM = 3 * 512  # hypercolumn of encoder_5..7
# encoder_net.py's BN uses batch statistics also at test time and the original evaluates in
# batches of 12: one `embed_*` call of <= 12 images is one original batch.
ORIGINAL_BATCH_SIZE = 12
# Mat files the authors ship (CVUSA_orientations/, CVACT_orientations/), found by prefix.
_MAT_PREFIX = {"ground": "yaw_pitch_grd", "aerial": "yaw_radius_sat"}


def _mat_file(folder: str | os.PathLike, branch: str) -> str:
    prefix = _MAT_PREFIX[branch]
    try:
        names = sorted(n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".mat"))
    except OSError as error:
        raise ModelOptionError(f"orientation_maps={os.fspath(folder)!r} is not a readable folder: {error}") from None
    if len(names) != 1:
        raise ModelOptionError(
            f"orientation_maps={os.fspath(folder)!r} must hold exactly one {prefix}*.mat file "
            f"(the authors' {branch} orientation map), found {names or 'none'}"
        )
    return os.path.join(folder, names[0])


def _encoder(images, branch: str, prefix: str, mat_path: str | None):
    """One OriCNN branch: images [B, H, W, 3] RGB 0..255 -> 1536-d L2-normalised descriptors."""
    x = SignedBGRPreprocessing(name=f"{prefix}_preprocessing")(images)
    x = OrientationChannels(branch, mat_path, name=f"{prefix}_orientation")(x)
    conv_init = keras.initializers.RandomNormal(0.0, 0.02)  # encoder_net.py: N(0, 0.02), bias 0
    outputs = []
    for index, channels in enumerate(ENCODER_CHANNELS, start=1):
        name = f"{prefix}_encoder_{index}"
        if index > 1:
            # ops.py writes lrelu as 0.6x + 0.4|x|, i.e. max(x, 0.2x).
            x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"{name}_lrelu")(x)
        x = keras.layers.Conv2D(
            channels, 4, strides=2, padding="same", kernel_initializer=conv_init, name=f"{name}_conv"
        )(x)
        if index > 1:
            x = BatchStatisticsNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
        outputs.append(x)
    hypercolumn = Hypercolumn(name=f"{prefix}_hypercolumn")(outputs[4:7])
    pooled = GeneralizedMeanPooling(p=3.0, eps=1e-6, name=f"{prefix}_gem")(hypercolumn)
    return L2Normalization(name=f"{prefix}_descriptor")(pooled)


def build_ori_cnn(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    orientation_maps: str | os.PathLike | None = None,
) -> CrossViewModel:
    """OriCNN: two 7-layer encoders over RGB + orientation, hypercolumn + GeM, 1536-d. 30,705,536 parameters.

    Inputs are RGB 0..255; the network scales them to BGR in [-1, 1] and appends the orientation
    channels of its input size (closed form, see `cvgeo.geometry.orientation_maps`), or those of the
    authors' `.mat` files in the folder `orientation_maps` (`yaw_pitch_grd_*.mat` and
    `yaw_radius_sat_*.mat`), resized to the input size with INTER_AREA as the original loaders do.

    Batch norm always uses the statistics of the batch it is given (as the original), so a
    descriptor depends on the other images of its call; `embed_batch_size` is the original 12.
    Training feeds 5-channel images whose orientation channels moved with the augmented pixels; the
    inputs accept 3 or 5 channels. At sides <= 128 px the final grid has a side of 1, where the
    original's hand-written resampling divides by zero (spec B.2); `tf.image.resize` is its exact
    equivalent elsewhere and stays defined there, so small inputs work.
    """
    if reference_shape[0] != reference_shape[1]:
        raise ModelOptionError(f"OriCNN aerial inputs are square; got reference_shape={reference_shape}")
    ground_mat = aerial_mat = None
    if orientation_maps is not None:
        ground_mat, aerial_mat = _mat_file(orientation_maps, "ground"), _mat_file(orientation_maps, "aerial")
    query_input = keras.Input((*query_shape, None), name="ground")
    reference_input = keras.Input((*reference_shape, None), name="aerial")
    try:
        query_output = _encoder(query_input, "ground", "grd_rgbori", ground_mat)
        reference_output = _encoder(reference_input, "aerial", "sat_rgbori", aerial_mat)
    except ValueError as error:  # an unreadable or malformed .mat file
        if orientation_maps is None:
            raise
        raise ModelOptionError(f"orientation_maps={os.fspath(orientation_maps)!r}: {error}") from None
    return CrossViewModel(
        query_input=query_input,
        query_output=query_output,
        reference_input=reference_input,
        reference_output=reference_output,
        descriptor_dim=DESCRIPTOR_DIM,
        embed_batch_size=ORIGINAL_BATCH_SIZE,
        name="ori_cnn",
    )
