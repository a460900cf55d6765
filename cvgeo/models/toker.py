"""Toker et al., "Coming Down to Earth" (CVPR 2021): a GAN that draws the street view from the polar aerial,
and a retrieval network that reads the generator's bottleneck (aysim/comingdowntoearth, spec 3).

Three networks, all Keras 3 functional graphs with layer names after the original's modules:
  * the generator `UnetGeneratorSkip` (`networks/c_gan.py`): polar aerial -> (street panorama in
    [-1, 1], bottleneck `resb6`). Layers `generator_*`.
  * the conditional PatchGAN discriminator `NLayerDiscriminator` (`networks/c_gan.py`):
    concat(polar, street), both in [-1, 1] -> logits. Layers `discriminator_model_<index>` after
    the original's nn.Sequential indices. Built by `build_toker_discriminator`; only training uses it.
  * the retrieval network `SAFA` (`networks/safa.py`): street -> truncated ResNet-34 (`resnet_grd`)
    -> spatial-aware attention (`spatial_grd`, the original's `sa2`); the aerial side is `resb6`
    -> attention (`spatial_sat`, `sa1`); channel max, 8 heads, c-major, L2 -> 2048-d each.

`build_toker` returns a `TokerModel`: the CrossViewModel for retrieval (query = street panorama,
reference = polar aerial; the reference branch runs the generator's encoder and bottleneck only, as
the original's evaluation) which also holds the whole generator for training and synthesis.
Inputs are RGB 0..255; the model maps them to [-1, 1] (/255, Normalize(0.5, 0.5)), the original's
input range for both networks, also for the ImageNet ResNet-34 (spec 3.2).
"""

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from cvgeo.layers.gan_residual_blocks import residual_block, residual_block_down, residual_block_up, spectral_conv
from cvgeo.layers.instance_normalization import instance_normalization
from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.reflection_padding import ReflectionPadding2D
from cvgeo.layers.resnet import resnet34_features
from cvgeo.layers.self_attention import SelfAttention
from cvgeo.layers.spatial_aware_attention import SpatialAwareAggregation
from cvgeo.layers.torch_initializers import torch_default_uniform
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.model_option_error import ModelOptionError

SHAPE = (112, 616)  # polar aerial and street panorama, INTER_CUBIC on CVUSA (spec 3.2)
HEADS = 8
FEATURE_CHANNELS = 256  # resb6 and ResNet-34 layer3
DESCRIPTOR_DIM = HEADS * FEATURE_CHANNELS
BOTTLENECK_BLOCKS = 6
def _gan_init() -> keras.initializers.Initializer:
    """`init_weights(net, "normal", 0.02)`: what plain (not spectral-normalised) convs start from; one
    per layer, made when the network is built, so the run's seed decides it."""
    return keras.initializers.RandomNormal(stddev=0.02)


def _to_signed(name: str) -> keras.layers.Rescaling:
    """RGB 0..255 -> [-1, 1]: ToTensor (/255) then Normalize(mean 0.5, std 0.5)."""
    return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name=name)


def toker_generator_graph(x: keras.KerasTensor) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """`UnetGeneratorSkip` on [-1, 1] images x [B, H, W, 3] -> (tanh image [B, H, W, 3], resb6 [B, H/8, W/8, 256]).

    Encoder: reflection pad 3, SN conv 7x7 3->32, IN (no activation); three residual down blocks
    (64, 128, 256), each followed by IN. Six residual blocks -> resb6. Decoder: concat(resb6,
    enc3) -> up block 128 -> IN -> concat enc2 -> self-attention (gamma 0) -> up block 64 -> IN ->
    concat enc1 -> up block 64 -> IN -> plain conv 3x3 (zero padding 1) -> tanh (spec 3.3).
    """
    y = ReflectionPadding2D(3, name="generator_begin_pad")(x)
    y = keras.layers.SpectralNormalization(
        keras.layers.Conv2D(32, 7, kernel_initializer=torch_default_uniform(7 * 7 * 3), name="generator_begin_conv_conv"),
        name="generator_begin_conv",
    )(y)
    y = instance_normalization(32, "generator_begini_e")(y)
    skips = []
    for index, channels in enumerate((64, 128, 256), start=1):
        y = residual_block_down(y, channels, f"generator_conv{index}")
        y = instance_normalization(channels, f"generator_in{index}_e")(y)
        skips.append(y)
    enc1, enc2, enc3 = skips
    for index in range(1, BOTTLENECK_BLOCKS + 1):
        y = residual_block(y, f"generator_res{index}")
    resb6 = y
    y = keras.layers.Concatenate(name="generator_dec1")([resb6, enc3])
    y = instance_normalization(128, "generator_in3_d")(residual_block_up(y, 128, "generator_deconv3"))
    y = keras.layers.Concatenate(name="generator_dec2")([y, enc2])
    y = SelfAttention(name="generator_attention2")(y)
    y = instance_normalization(64, "generator_in2_d")(residual_block_up(y, 64, "generator_deconv2"))
    y = keras.layers.Concatenate(name="generator_dec3")([y, enc1])
    y = instance_normalization(64, "generator_in1_d")(residual_block_up(y, 64, "generator_deconv1"))
    y = keras.layers.Conv2D(
        3, 3, padding="same", kernel_initializer=_gan_init(), name="generator_conv_end_0"
    )(y)
    return keras.layers.Activation("tanh", name="generator_conv_end_1")(y), resb6


def build_toker_discriminator(shape: tuple[int, int] = SHAPE) -> keras.Model:
    """The conditional PatchGAN `NLayerDiscriminator` (n_layers 3, ndf 64): [B, H, W, 6] in [-1, 1] -> logits.

    Input: concat(polar aerial, street) on the channel axis. 4x4 convs with zero padding 1:
    6->64 s2 (plain), 128 s2 (SN) + self-attention(128), 256 s2 (SN), 512 s1 (SN), 1 s1 (plain),
    LeakyReLU 0.1 after each but the last; no normalisation, so every conv has a bias (the
    original's `use_bias = norm_layer == nn.InstanceNorm2d` holds for its default). 12x75 logits for
    112x616. 2,788,290 trainable parameters, at any size (spec 3.4).
    """
    images = keras.Input((*shape, 6), name="polar_and_street")
    y, index = images, 0

    def conv(y, channels, stride, spectral):
        nonlocal index
        y = keras.layers.ZeroPadding2D(1, name=f"discriminator_model_{index}_pad")(y)
        name = f"discriminator_model_{index}"
        if spectral:
            layer = keras.layers.Conv2D(
                channels, 4, stride, kernel_initializer=torch_default_uniform(16 * y.shape[-1]),
                bias_initializer="zeros", name=f"{name}_conv",
            )
            y = keras.layers.SpectralNormalization(layer, name=name)(y)
        else:
            y = keras.layers.Conv2D(channels, 4, stride, kernel_initializer=_gan_init(), name=name)(y)
        index += 1
        return y

    def leaky(y):
        nonlocal index
        y = keras.layers.LeakyReLU(0.1, name=f"discriminator_model_{index}")(y)
        index += 1
        return y

    y = leaky(conv(y, 64, 2, spectral=False))
    y = leaky(conv(y, 128, 2, spectral=True))
    y = SelfAttention(name=f"discriminator_model_{index}")(y)
    index += 1
    y = leaky(conv(y, 256, 2, spectral=True))
    y = leaky(conv(y, 512, 1, spectral=True))
    logits = conv(y, 1, 1, spectral=False)
    return keras.Model(images, logits, name="toker_discriminator")


class TokerModel(CrossViewModel):
    """Toker's retrieval network as a CrossViewModel, holding the whole generator as well.

    Besides the CrossViewModel contract (`model((street, polar))` -> descriptors, `embed_*`):
      * `generator`: polar 0..255 -> (synthesised street in [-1, 1], resb6);
      * `reference_head`: resb6 -> aerial descriptor (attention `spatial_sat` + L2), so a training
        step can describe a detached bottleneck (the original's R update, spec 3.6);
      * `normalize(images)`: RGB 0..255 -> [-1, 1], the space of the generator's output, the L1
        target and the discriminator's inputs;
      * `synthesize(polar_images)`: synthesised street views as float32 numpy in [-1, 1].
    """

    def __init__(
        self,
        *,
        query_input: keras.KerasTensor,
        query_output: keras.KerasTensor,
        reference_input: keras.KerasTensor,
        reference_output: keras.KerasTensor,
        synthesized: keras.KerasTensor,
        bottleneck: keras.KerasTensor,
        reference_head: keras.Model,
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
        self.generator = keras.Model(reference_input, (synthesized, bottleneck), name=f"{name}_generator")
        self.synthesizer = keras.Model(reference_input, synthesized, name=f"{name}_synthesizer")
        self.reference_head = reference_head
        self._normalization = _to_signed(f"{name}_target_normalization")

    def normalize(self, images: tf.Tensor | np.ndarray) -> tf.Tensor:
        """RGB 0..255 -> [-1, 1], the model's input preprocessing (spec 3.2)."""
        return self._normalization(images)

    def synthesize(self, images: np.ndarray | Sequence, batch_size: int | None = None) -> np.ndarray:
        """Street views [N, H, W, 3] (float32 numpy in [-1, 1]) synthesised from polar aerials [N, H, W, 3] (RGB 0..255)."""
        return self._run_batched("synthesize", self.synthesizer, images, "reference_shape", batch_size)


def build_toker(
    query_shape: tuple[int, int] = SHAPE,
    reference_shape: tuple[int, int] = SHAPE,
    *,
    heads: int = HEADS,
) -> TokerModel:
    """Toker et al.'s retrieval network (with its generator); street `query_shape`, polar `reference_shape`.

    Both shapes must be equal (the generator draws the street view at the polar size), multiples of
    8 (three 2x down- and up-samplings) and at least 24 (the discriminator's logits). Trainable parameters at 112x616:
    generator 9,507,908 (attention 81,921), retrieval 26,789,520 (ResNet-34 to layer3 8,170,304 + two attentions at 14x77, 9,309,608 each);
    the discriminator (`build_toker_discriminator`) adds 2,788,290.
    """
    query_shape, reference_shape = tuple(query_shape), tuple(reference_shape)
    if query_shape != reference_shape:
        raise ModelOptionError(
            f"toker draws the street view at the polar image's size: query_shape {query_shape} and "
            f"reference_shape {reference_shape} must be equal"
        )
    if query_shape[0] % 8 or query_shape[1] % 8 or min(query_shape) < 24:
        # The discriminator's last two 4x4 stride-1 convs each take one row and column off H/8 x W/8.
        raise ModelOptionError(f"toker needs a shape of multiples of 8, at least 24 a side, got {query_shape}")
    street = keras.Input((*query_shape, 3), name="street")
    polar = keras.Input((*reference_shape, 3), name="polar")
    synthesized, resb6 = toker_generator_graph(_to_signed("polar_preprocessing")(polar))

    # Toker `networks/backbones.py`: resnet34 children[:3] + layer1-3 (no maxpool), on [-1, 1] input.
    street_features = resnet34_features(_to_signed("grd_preprocessing")(street), "resnet_grd", stages=3, maxpool=False)

    def attention(branch: str) -> SpatialAwareAggregation:
        # `networks/safa.py` SA: channel max, N(0, 0.005) weights, biases 0.1, [B, C, heads] flattened c-major.
        return SpatialAwareAggregation(heads, "max", layout="c_major", weights_init="normal", name=f"spatial_{branch}")

    street_descriptor = L2Normalization(name="grd_descriptor")(attention("grd")(street_features))
    sat_attention, sat_l2 = attention("sat"), L2Normalization(name="sat_descriptor")
    polar_descriptor = sat_l2(sat_attention(resb6))
    bottleneck = keras.Input(resb6.shape[1:], name="bottleneck")
    reference_head = keras.Model(bottleneck, sat_l2(sat_attention(bottleneck)), name="toker_reference_head")
    return TokerModel(
        query_input=street,
        query_output=street_descriptor,
        reference_input=polar,
        reference_output=polar_descriptor,
        synthesized=synthesized,
        bottleneck=resb6,
        reference_head=reference_head,
        descriptor_dim=heads * FEATURE_CHANNELS,
        name="toker",
    )
