"""Dataset example -> (ground, reference) model inputs, as the original loaders prepare them.

Works on the examples of the CVUSA and CVACT builders (features `ground`, `aerial`, optional
`polar`; CVACT's `ground` is already rows 208:624 of the panorama). Outputs are RGB float32 on the
0..255 scale at the model's input sizes; each model applies its own colour preprocessing (BGR/means,
[-1, 1]) inside. Resizes are OpenCV's INTER_AREA with uint8 rounding, as in every original loader:

- CVM-Net (`input_data.py`), OriCNN: ground 224x1232 (CVUSA as-is, CVACT crop resized), aerial
  750 or 1200 -> 512.
- SAFA: ground -> 112x616; reference = the polar aerial 112x616, taken from the dataset's `polar`
  feature or computed on the fly from `aerial` with the same transform.
- Toker et al. on CVUSA: ground -> 112x616 with INTER_CUBIC; reference = `cvusa/polar_toker`'s polar.
"""

import dataclasses
from dataclasses import dataclass

import tensorflow as tf

from cvgeo.data.area_resize import resize_area
from cvgeo.data.augmentation import (
    aerial_crop_resize,
    circular_shift,
    draw_aerial_augmentation,
    draw_ground_shift,
    quarter_turn_like_opencv,
)
from cvgeo.data.cubic_resize import resize_cubic
from cvgeo.data.polar_quantization import stretch_like_scipy_imsave
from cvgeo.geometry.orientation_maps import aerial_orientation_map, ground_orientation_map
from cvgeo.geometry.polar_transform import polar_transform_tf

# Example features carried through unchanged next to the model inputs (ids and positions).
PASS_THROUGH = ("id", "utm", "latlon", "yaw", "xy")


@dataclass(frozen=True)
class PairInputOptions:
    """What a model consumes and which original training augmentations to apply.

    Attributes:
      query_shape: (height, width) of the ground input.
      reference_shape: (height, width) of the reference input.
      reference_feature: "aerial" (north-up tile) or "polar" (SAFA's polar aerial).
      aerial_crop_rotate: CVM-Net/OriCNN training augmentation of the aerial tile (random centred crop,
        resize, quarter turn); aerial reference only.
      ground_shift: OriCNN training augmentation, a random circular shift of the panorama.
      ground_interpolation: "area" (cv2.INTER_AREA: CVM-Net, OriCNN, SAFA) or "cubic"
        (cv2.INTER_CUBIC: Toker et al. on CVUSA).
      polar_png_stretch: apply the per-image min-max stretch and uint8 rounding of SAFA's published
        polar PNGs (needed to reuse released SAFA weights; see polar_quantization).
      orientation_channels: append OriCNN's two orientation channels to both inputs (5 channels), made
        at the image's own size and cropped, resized, turned and shifted with its pixels, as OriCNN's
        training loaders do (`input_data_rgb_ori_m1_1_augument.py`, spec B.4). Aerial reference only.
      aerial_interpolation: "area" or "cubic" (Realistic's STN loader resizes the raw aerial with
        cv2.INTER_CUBIC, spec 4.3).
      polar_target_shape: also output the polar aerial at this size as "polar" (the STN's L1 target).
      joint_flip: flip ground, reference and polar target left-right together with probability 1/2
        (Realistic's CVUSA training loader).
      round_resized: round area-resized uint8 images to integers as OpenCV does on uint8 input; False
        keeps the fractions, as VIGOR's loader resizes images already cast to float32.
    """

    query_shape: tuple[int, int]
    reference_shape: tuple[int, int]
    reference_feature: str = "aerial"
    aerial_crop_rotate: bool = False
    ground_shift: bool = False
    ground_interpolation: str = "area"
    polar_png_stretch: bool = False
    orientation_channels: bool = False
    aerial_interpolation: str = "area"
    polar_target_shape: tuple[int, int] | None = None
    joint_flip: bool = False
    round_resized: bool = True

    def __post_init__(self):
        if self.reference_feature not in ("aerial", "polar"):
            raise ValueError(f"reference_feature must be 'aerial' or 'polar', got {self.reference_feature!r}")
        if self.aerial_crop_rotate and self.reference_feature != "aerial":
            raise ValueError("aerial_crop_rotate applies to the 'aerial' reference only")
        for name in ("ground_interpolation", "aerial_interpolation"):
            if getattr(self, name) not in ("area", "cubic"):
                raise ValueError(f"{name} must be 'area' or 'cubic', got {getattr(self, name)!r}")
        if self.polar_png_stretch and self.reference_feature != "polar":
            raise ValueError("polar_png_stretch applies to the 'polar' reference only")
        if self.orientation_channels and self.reference_feature != "aerial":
            raise ValueError("orientation_channels applies to the 'aerial' reference only")
        if self.aerial_crop_rotate and self.reference_shape[0] != self.reference_shape[1]:
            raise ValueError(f"aerial_crop_rotate needs a square reference shape, got {self.reference_shape}")

    def for_evaluation(self) -> "PairInputOptions":
        """These options without augmentation or training targets; OriCNN's orientation channels
        then come from the model itself (the maps of its input size)."""
        return dataclasses.replace(
            self, aerial_crop_rotate=False, ground_shift=False, joint_flip=False, polar_target_shape=None,
            orientation_channels=False,
        )

    @property
    def random(self) -> bool:
        return self.aerial_crop_rotate or self.ground_shift or self.joint_flip


def ground_input(ground: tf.Tensor, options: PairInputOptions, seed: tf.Tensor | None = None) -> tf.Tensor:
    """Panorama [H, W, 3] uint8 -> float32 at query_shape (plus orientation channels), optionally
    circularly shifted first."""
    maps = _orientation_maps(ground, "ground") if options.orientation_channels else None
    if options.ground_shift:
        # OriCNN shifts at the native width, before the resize (input_data_ACT.py: on the 1664 crop).
        shift = draw_ground_shift(seed, tf.shape(ground)[1])
        ground = circular_shift(ground, shift)
        maps = None if maps is None else circular_shift(maps, shift)
    ground = three_channels(ground)
    if options.ground_interpolation == "cubic":
        image = resize_cubic(ground, options.query_shape)
    else:
        image = resize_area(ground, options.query_shape, quantize=options.round_resized and ground.dtype.is_integer)
    if maps is None:
        return image
    return tf.concat([image, resize_area(maps, options.query_shape, quantize=False)], axis=-1)


def reference_input(example: dict, options: PairInputOptions, seed: tf.Tensor | None = None) -> tf.Tensor:
    """The reference branch's input: resized (and augmented) aerial tile, or the polar aerial."""
    height, width = options.reference_shape
    if options.reference_feature == "polar":
        polar = _polar(example, height, width)
        return stretch_like_scipy_imsave(polar) if options.polar_png_stretch else polar
    aerial = three_channels(example["aerial"])
    maps = _orientation_maps(aerial, "aerial") if options.orientation_channels else None
    if not options.aerial_crop_rotate:
        if options.aerial_interpolation == "cubic":
            image = resize_cubic(aerial, (height, width))
        else:
            image = resize_area(aerial, (height, width), quantize=options.round_resized and aerial.dtype.is_integer)
        maps = None if maps is None else resize_area(maps, (height, width), quantize=False)
    else:
        crop, turns = draw_aerial_augmentation(seed, tf.shape(aerial)[0])
        image = quarter_turn_like_opencv(aerial_crop_resize(aerial, crop, height), turns)
        if maps is not None:
            maps = quarter_turn_like_opencv(aerial_crop_resize(maps, crop, height, quantize=False), turns)
    return image if maps is None else tf.concat([image, maps], axis=-1)


def three_channels(image: tf.Tensor) -> tf.Tensor:
    """A one-channel view (CrossLocate's depth renders, float metres) repeated to the 3 channels the
    networks take, as CrossLocate's TensorAssembler feeds raw depth; RGB images pass unchanged."""
    if image.shape[-1] == 1:
        return tf.tile(image, [1, 1, 3])
    return image


def _orientation_maps(image: tf.Tensor, branch: str) -> tf.Tensor:
    """OriCNN's [H, W, 2] orientation channels at the image's own size (a constant when it is static)."""

    def maps(height, width):
        height, width = int(height), int(width)
        return ground_orientation_map(height, width) if branch == "ground" else aerial_orientation_map(height)

    if image.shape[:2].is_fully_defined():
        return tf.constant(maps(*image.shape[:2]))
    size = tf.shape(image)[:2]
    result = tf.numpy_function(maps, [size[0], size[1]], tf.float32, stateful=False)
    return tf.ensure_shape(result, [None, None, 2])


def _polar(example: dict, height: int, width: int) -> tf.Tensor:
    """The dataset's `polar` feature, or the polar transform of `aerial` computed at the model's size."""
    if "polar" in example:
        polar = tf.cast(example["polar"], tf.float32)
        if polar.shape[:2].is_fully_defined() and tuple(polar.shape[:2]) != (height, width):
            raise ValueError(
                f"the dataset's polar images are {tuple(polar.shape[:2])}, the model wants {(height, width)}; "
                "use the dataset's raw config to compute the polar transform at the model's size"
            )
        return polar
    # SAFA computes the polar image directly at the model's size from the full tile.
    return polar_transform_tf(example["aerial"], height, width)


def pair_inputs(example: dict, options: PairInputOptions, seed: tf.Tensor | None = None) -> dict:
    """{"query", "reference"} float32 model inputs of one example, plus its id/position features.

    Args:
      example: a decoded example of a cvgeo builder (`ground`, `aerial`, optional `polar`, ...).
      options: the model's input sizes, reference kind and augmentations.
      seed: stateless [2] int seed, required when `options.random`.
    """
    if options.random and seed is None:
        raise ValueError("random augmentations need a stateless seed")
    ground_seed = reference_seed = seed
    if seed is not None:
        ground_seed, reference_seed = tf.unstack(tf.random.split(tf.cast(seed, tf.int64), 2))
    inputs = {
        "query": ground_input(example["ground"], options, ground_seed),
        "reference": reference_input(example, options, reference_seed),
    }
    if options.polar_target_shape is not None:
        inputs["polar"] = _polar(example, *options.polar_target_shape)
    if options.joint_flip:
        flip = tf.random.stateless_uniform([], tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), 3)) < 0.5
        for key in ("query", "reference", "polar"):
            if key in inputs:
                inputs[key] = tf.cond(flip, lambda image=inputs[key]: tf.reverse(image, axis=[1]), lambda image=inputs[key]: image)
    inputs.update({key: example[key] for key in PASS_THROUGH if key in example})
    return inputs


def map_pair_inputs(
    examples: tf.data.Dataset, options: PairInputOptions, *, seed: int | None = None
) -> tf.data.Dataset:
    """Maps `pair_inputs` over a dataset in parallel (order kept); per-example seeds come from `seed`.

    The caller batches and prefetches. With augmentations, the same `seed` gives the same draws.
    """
    if options.random:
        if seed is None:
            raise ValueError("options with random augmentations need an integer seed")
        seeds = tf.data.Dataset.random(seed=seed).batch(2)
        return tf.data.Dataset.zip(examples, seeds).map(
            lambda example, pair_seed: pair_inputs(example, options, pair_seed),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    return examples.map(
        lambda example: pair_inputs(example, options), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
