"""The names cvgeo's registries accept, importable without TensorFlow.

The command lines list them in `--help` and check flag values against them before TensorFlow is
imported (`cvgeo.command_line`), so a typo costs a second, not the seconds TensorFlow takes to start. The registries
themselves stay the truth: `cvgeo.models.MODELS`, `cvgeo.data.dataset_specs()` (read from the TFDS
builders) and `cvgeo.training.RECIPES`; `tests/test_registry_names.py` fails when a list here
disagrees with its registry.
"""

MODEL_NAMES = (
    "cvm_net_i", "cvm_net_ii", "ori_cnn", "safa", "safa_stn_affine", "safa_stn_composed", "safa_stn_tps", "toker",
    "crosslocate",
)

DATASET_NAMES = (
    "synthetic_crossview",
    "synthetic_crossview_random_heading",
    "synthetic_crossview_tiny",
    "synthetic_crossview_vigor",
    "synthetic_crossview_vigor_tiny",
    "synthetic_crossview_crosslocate",
    "synthetic_crossview_crosslocate_tiny",
    "cvusa",
    "cvusa_polar",
    "cvusa_polar_toker",
    "cvact",
    "cvact_polar",
    "cvact_test",
    "cvact_test_polar",
    "vigor_same_area",
    "vigor_cross_area",
    "vigor_same_area_corrected",
    "vigor_cross_area_corrected",
    "vo_hays",
    "crosslocate_sparse_segments",
    "crosslocate_sparse_silhouettes",
    "crosslocate_sparse_depth",
    "crosslocate_sparse_original_to_segments",
    "crosslocate_sparse_original_to_silhouettes",
    "crosslocate_sparse_original_to_depth",
    "crosslocate_uniform_photos_to_segments",
    "crosslocate_uniform_photos_to_segments_compact",
    "crosslocate_uniform_photos_to_silhouettes_compact",
    "crosslocate_uniform_photos_to_depth_compact",
)

RECIPE_NAMES = (
    "cvm_net_i", "cvm_net_ii", "ori_cnn", "ori_cnn_cvact", "safa", "safa_cvact", "safa_vigor",
    "safa_stn_affine", "safa_stn_composed", "safa_stn_tps", "toker", "toker_cvact",
    "cvm_net_i_small", "cvm_net_ii_small", "ori_cnn_small", "safa_small",
    "safa_stn_affine_small", "safa_stn_tps_small", "safa_stn_composed_small", "toker_small", "safa_vigor_small", "demo",
)
