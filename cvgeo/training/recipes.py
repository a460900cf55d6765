"""Training recipes: each method's original hyper-parameters, and a `_small` variant of each for the
synthetic dataset on a CPU.

`recipe_name(model, dataset)` picks the recipe `train.py` starts from: `<model>_small` on synthetic
data (`<model>_vigor_small` on its VIGOR-style configs), `<model>_cvact` / `<model>_vigor` on CVACT / VIGOR where the original trains differently
there, `<model>` otherwise.
Small variants keep the original loss and optimiser family but start from scratch at small sizes,
which no original does: where that needs other settings to learn in minutes, the recipe says which
and why.
"""

import dataclasses

from cvgeo.training.config import SMALL_QUERY_SHAPE, SMALL_REFERENCE_SHAPE, TrainConfig

_CVUSA_SHAPES = {"query_shape": (224, 1232), "reference_shape": (512, 512)}
_POLAR_SHAPES = {"query_shape": (112, 616), "reference_shape": (112, 616)}
_SYNTHETIC_POLAR_SHAPES = {"query_shape": SMALL_QUERY_SHAPE, "reference_shape": SMALL_QUERY_SHAPE}
_SYNTHETIC_SHAPES = {"query_shape": SMALL_QUERY_SHAPE, "reference_shape": SMALL_REFERENCE_SHAPE}
# The from-scratch aids CVM-Net needs to leave chance on synthetic data (BENCHMARKS.md, "Learning
# from scratch"): batch norm in VGG, every conv trained, no dropout, NetVLAD centres and FC bias 0.
_CVM_NET_FROM_SCRATCH = {
    "batch_norm": True, "frozen_blocks": (), "dropout_rate": 0.0, "zero_centres": True,
}


def _cvm_net(model: str) -> TrainConfig:
    # CVM-Net `train.py`: Adam 1e-5 (0.9 / 0.999 / 1e-8), batch 12, 100 epochs, alpha 10, the aerial
    # crop + quarter-turn augmentation of `input_data.py` (spec A.8-A.10); VGG16 from ImageNet
    # (--init_weights).
    return TrainConfig(
        model=model, dataset="cvusa", epochs=100, aerial_crop_rotate=True, model_options=dict(_CVUSA_SHAPES),
        output_dir=f"runs/{model}",
    )


def _ori_cnn() -> TrainConfig:
    # OriCNN `train_*.py`: from scratch, Adam 1e-5 (0.9 / 0.999), batch 12, 100 epochs, no dropout;
    # aerial crop + quarter turn and the ground's circular shift, the orientation channels moved with
    # the pixels (spec B.4-B.7).
    return TrainConfig(
        model="ori_cnn", dataset="cvusa", epochs=100, aerial_crop_rotate=True, ground_shift=True,
        model_options=dict(_CVUSA_SHAPES), output_dir="runs/ori_cnn",
    )


def _safa() -> TrainConfig:
    # SAFA `train_cvusa.py`: the polar PNGs, Adam 1e-5 (0.9 / 0.999), batch 32, 100 epochs, keep_prob 0.8,
    # no augmentation, VGG16 from ImageNet (--init_weights; spec 2.1-2.4).
    return TrainConfig(
        model="safa", dataset="cvusa_polar", batch_size=32, epochs=100,
        model_options={**_POLAR_SHAPES, "dropout_rate": 0.2}, output_dir="runs/safa",
    )


def _safa_stn(model: str) -> TrainConfig:
    # Realistic-Cross-View `utils/parser.py` / `model_wrapper.py`: Adam 1e-4 with beta (0.5, 0.999),
    # batch 32, 20 epochs, seed 10; Toker's soft-margin (alpha 10, zero diagonal; the hard-negative
    # schedule never leaves ratio 1 within 20 epochs); L1 to the polar image with weight 1; CVUSA:
    # aerial 256x256 and panorama 112x616 with INTER_CUBIC, joint horizontal flip; ResNet-34 from
    # ImageNet (--init_weights; spec 4.3).
    return TrainConfig(
        model=model, dataset="cvusa", batch_size=32, epochs=20, learning_rate=1e-4, beta_1=0.5, seed=10,
        include_diagonal=False, model_options={"query_shape": (112, 616), "reference_shape": (256, 256)},
        task_options={
            "stn_l1_weight": 1.0, "ground_interpolation": "cubic", "aerial_interpolation": "cubic", "joint_flip": True,
        },
        output_dir=f"runs/{model}",
    )


def _toker() -> TrainConfig:
    # aysim/comingdowntoearth `helper/parser.py` / `train_synthesis_cvusa.py`: the post-2022 polars
    # (224x1232, resized to 112x616 INTER_CUBIC with the panorama), batch 32, three Adams at 1e-4
    # with beta (0.5, 0.999), 200 epochs, seed 10, soft margin alpha 10 with the zero diagonal and the
    # hard-negative schedule, joint horizontal flip; ResNet-34 from ImageNet (--init_weights; spec 3).
    return TrainConfig(
        model="toker", task="toker", dataset="cvusa_polar_toker", batch_size=32, epochs=200, learning_rate=1e-4,
        beta_1=0.5, seed=10, include_diagonal=False, model_options=dict(_POLAR_SHAPES),
        task_options={"ground_interpolation": "cubic", "joint_flip": True}, output_dir="runs/toker",
    )


def _toker_cvact() -> TrainConfig:
    # aysim/comingdowntoearth `helper/parser_cvact.py` / `train_synthesis_cvact.py`: the CVUSA recipe's
    # optimisers, batch, epochs, seed and schedule, with `compute_cvact_loss` (pairs within 25 m masked,
    # `rgan_wrapper_cvact.py`) and the joint flip; `data/cvact_utils.py` resizes both images with
    # INTER_AREA, validation on CVACT_val. Its images are not cvgeo's exactly: the original trains on
    # `data/convert_polar.py`'s outputs, polars written by imageio from float (min-max stretched to
    # uint8) and saved as JPEG, panoramas (rows 208:624, INTER_AREA to 616x112) saved as JPEG; cvact_polar
    # holds SAFA's float polar transform of the same tiles and the panorama crop is resized on the fly.
    return dataclasses.replace(
        _toker(), dataset="cvact_polar", positive_radius=25.0,
        task_options={"ground_interpolation": "area", "joint_flip": True}, output_dir="runs/toker_cvact",
    )


def _safa_vigor() -> TrainConfig:
    # VIGOR `train_SAFA.py` / `dataloader.py` / `models.py` (mode train_SAFA_CVM-loss-same): SAFA on
    # the raw tiles (no polar transform: panoramas are off-centre), ground 320x640 and aerial
    # 320x320 resized INTER_AREA from float32, spatial-aware channel max, no dropout, VGG16 from
    # ImageNet (--init_weights); the soft-margin loss with the diagonal over B(B-1), alpha 10; Adam
    # 1e-5 (0.9 / 0.999) decayed x0.1 per 150,000 steps (continuous), batch 14, 30 epochs of
    # int(P/14) batches drawn by tile (spec 4.3-4.4). Same-area; --dataset=vigor_cross_area for the other.
    return TrainConfig(
        model="safa", dataset="vigor_same_area", batch_size=14, epochs=30,
        model_options={"query_shape": (320, 640), "reference_shape": (320, 320), "sa_pool": "max", "dropout_rate": 0.0},
        task_options={
            "reference_feature": "aerial", "round_resized": False,
            "learning_rate_decay": {"steps": 150_000, "rate": 0.1},
        },
        output_dir="runs/safa_vigor",
    )


def _small(recipe: TrainConfig, model_options: dict, **changes) -> TrainConfig:
    return dataclasses.replace(
        recipe, dataset="synthetic_crossview", epochs=1, model_options=model_options,
        output_dir=f"runs/{recipe.model}_small", **changes,
    )


RECIPES: dict[str, TrainConfig] = {
    "cvm_net_i": _cvm_net("cvm_net_i"),
    "cvm_net_ii": _cvm_net("cvm_net_ii"),
    "ori_cnn": _ori_cnn(),
    # OriCNN `train_cvact.py` / `input_data_ACT.py`: pairs closer than 25 m are not negatives.
    "ori_cnn_cvact": dataclasses.replace(_ori_cnn(), dataset="cvact", positive_radius=25.0),
    "safa": _safa(),
    # SAFA `train_cvact.py`: the same 25 m mask (usefulPair: squared UTM distance >= 625).
    "safa_cvact": dataclasses.replace(_safa(), dataset="cvact_polar", positive_radius=25.0),
    "safa_vigor": _safa_vigor(),
    **{model: _safa_stn(model) for model in ("safa_stn_affine", "safa_stn_composed", "safa_stn_tps")},
    "toker": _toker(),
    "toker_cvact": _toker_cvact(),
}
RECIPES.update({
    # CVM-Net from scratch needs the aids above and a larger step (3e-4, batch 32) to leave chance
    # within a few hundred steps; the aerial augmentation stays.
    "cvm_net_i_small": _small(
        RECIPES["cvm_net_i"], {**_SYNTHETIC_SHAPES, **_CVM_NET_FROM_SCRATCH, "fc_bias_init": 0.0},
        batch_size=32, learning_rate=3e-4,
    ),
    "cvm_net_ii_small": _small(
        RECIPES["cvm_net_ii"], {**_SYNTHETIC_SHAPES, **_CVM_NET_FROM_SCRATCH}, batch_size=32, learning_rate=3e-4,
    ),
    # OriCNN trains from scratch in the original too; the synthetic images are used at their own size.
    "ori_cnn_small": _small(RECIPES["ori_cnn"], {"query_shape": (64, 256), "reference_shape": (128, 128)}),
    # SAFA from scratch: no dropout, and 1e-4 (the original's 1e-5 assumes ImageNet VGG16); the polar
    # images are computed from the synthetic tiles at the model's size.
    "safa_small": _small(RECIPES["safa"], {**_SYNTHETIC_POLAR_SHAPES, "dropout_rate": 0.0}, learning_rate=1e-4),
    # The STN variants at 32x128 panoramas and 64x64 tiles warped to 32x128 (the composed variant's
    # inner localisation nets need >= 54 px a side: 56x224), the original optimiser.
    "safa_stn_affine_small": _small(RECIPES["safa_stn_affine"], dict(_SYNTHETIC_SHAPES)),
    "safa_stn_tps_small": _small(RECIPES["safa_stn_tps"], dict(_SYNTHETIC_SHAPES)),
    "safa_stn_composed_small": _small(
        RECIPES["safa_stn_composed"], {**_SYNTHETIC_SHAPES, "transform_shape": (56, 224)},
    ),
    # Toker at 24x96 street and polar: multiples of 8 for the generator's three 2x steps, at least
    # 24 for the discriminator's logits, the synthetic panoramas' 1:4. A step of the three networks
    # at 32x128 and batch 32 takes ~15 s on a shared 2-core CPU, so batch 16 here (~3.5 s); the
    # original optimisers. Two epochs (250 steps): R@1 9.7 % on the 300 test pairs after the first
    # and 24.3 % after the second (chance 0.3 %), the generator's L1 to the real test panoramas
    # 0.486 -> 0.266 (tests/training/test_toker_learns.py).
    "toker_small": dataclasses.replace(
        _small(RECIPES["toker"], {"query_shape": (24, 96), "reference_shape": (24, 96)}, batch_size=16), epochs=2,
    ),
})
# SAFA on the VIGOR-style synthetic city (off-centre panoramas, raw tiles): as safa_vigor at 32x128
# panoramas and 64x64 tiles, from scratch with Adam 1e-4 as safa_small.
RECIPES["safa_vigor_small"] = dataclasses.replace(
    _small(
        RECIPES["safa_vigor"], {**_SYNTHETIC_SHAPES, "sa_pool": "max", "dropout_rate": 0.0}, learning_rate=1e-4,
    ),
    dataset="synthetic_crossview_vigor", output_dir="runs/safa_vigor_small",
)
# `make demo`: a light SAFA (polar aerials, spatial-aware attention) from scratch on the synthetic
# dataset, learning in minutes on a 2-core CPU: VGG16 at a quarter of its channels with batch norm,
# no dropout, 32x128 inputs, Adam 1e-3, 16 passes (992 steps) validated every 2 (BENCHMARKS.md,
# "Learning from scratch"). `build("safa")` itself stays the original.
RECIPES["demo"] = dataclasses.replace(
    RECIPES["safa_small"],
    model_options={**_SYNTHETIC_POLAR_SHAPES, "batch_norm": True, "vgg_width": 0.25, "dropout_rate": 0.0},
    learning_rate=1e-3,
    epochs=8,
    passes_per_epoch=2,
    output_dir="runs/demo",
)


def recipe_name(model: str, dataset: str, synthetic: bool) -> str:
    """The recipe train.py starts from for `model` on `dataset` (see the module docstring)."""
    if synthetic:
        vigor_style = "vigor" in dataset and f"{model}_vigor_small" in RECIPES
        return f"{model}_vigor_small" if vigor_style else f"{model}_small"
    for prefix in ("cvact", "vigor"):
        if dataset.startswith(prefix) and f"{model}_{prefix}" in RECIPES:
            return f"{model}_{prefix}"
    return model
