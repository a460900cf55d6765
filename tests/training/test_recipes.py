"""Recipes hold the originals' hyper-parameters; their small variants fit the synthetic images."""

import pytest

from cvgeo.models import MODELS
from cvgeo.training.recipes import RECIPES, recipe_name

TRAINABLE = [name for name in MODELS if name != "crosslocate"]  # CrossLocate trains with its own mining


@pytest.mark.parametrize("model", TRAINABLE)
def test_every_siamese_model_has_an_original_and_a_small_recipe(model):
    assert RECIPES[model].model == RECIPES[f"{model}_small"].model == model
    assert RECIPES[f"{model}_small"].dataset == "synthetic_crossview"
    small = RECIPES[f"{model}_small"].model_options
    # Synthetic images are 64x256 panoramas and 128x128 tiles: the pipeline only shrinks them.
    assert small["query_shape"][0] <= 64 and small["query_shape"][1] <= 256
    if MODELS[model].reference_feature == "aerial":
        assert max(small["reference_shape"]) <= 128


@pytest.mark.parametrize(
    "name, batch, learning_rate, epochs, dataset",
    [
        ("cvm_net_i", 12, 1e-5, 100, "cvusa"),  # CVM-Net train.py (spec A.10)
        ("cvm_net_ii", 12, 1e-5, 100, "cvusa"),
        ("ori_cnn", 12, 1e-5, 100, "cvusa"),  # OriCNN (spec B.7)
        ("safa", 32, 1e-5, 100, "cvusa_polar"),  # SAFA train_cvusa.py (spec 2.4)
    ],
)
def test_original_recipes(name, batch, learning_rate, epochs, dataset):
    recipe = RECIPES[name]
    assert (recipe.batch_size, recipe.learning_rate, recipe.epochs, recipe.dataset) == (batch, learning_rate, epochs, dataset)
    assert (recipe.beta_1, recipe.beta_2, recipe.epsilon, recipe.alpha) == (0.9, 0.999, 1e-8, 10.0)


def test_ori_cnn_and_safa_augment_and_drop_out_as_the_originals():
    assert RECIPES["ori_cnn"].aerial_crop_rotate and RECIPES["ori_cnn"].ground_shift
    assert RECIPES["ori_cnn_cvact"].positive_radius == RECIPES["safa_cvact"].positive_radius == 25.0
    assert not RECIPES["safa"].aerial_crop_rotate and RECIPES["safa"].model_options["dropout_rate"] == 0.2


def test_recipe_choice():
    assert recipe_name("safa", "synthetic_crossview", synthetic=True) == "safa_small"
    assert recipe_name("ori_cnn", "cvact", synthetic=False) == "ori_cnn_cvact"
    assert recipe_name("cvm_net_i", "cvact", synthetic=False) == "cvm_net_i"
    assert recipe_name("safa", "cvusa_polar", synthetic=False) == "safa"


def test_toker_on_cvact_is_its_cvact_recipe():
    # aysim/comingdowntoearth helper/parser_cvact.py, train_synthesis_cvact.py, data/cvact_utils.py.
    assert recipe_name("toker", "cvact_polar", synthetic=False) == "toker_cvact"
    assert recipe_name("toker", "cvusa_polar_toker", synthetic=False) == "toker"
    recipe = RECIPES["toker_cvact"]
    assert (recipe.task, recipe.dataset, recipe.positive_radius) == ("toker", "cvact_polar", 25.0)
    assert (recipe.batch_size, recipe.epochs, recipe.learning_rate, recipe.beta_1, recipe.seed) == (32, 200, 1e-4, 0.5, 10)
    assert recipe.task_options == {"ground_interpolation": "area", "joint_flip": True}
    assert recipe.model_options["query_shape"] == recipe.model_options["reference_shape"] == (112, 616)
    from cvgeo.training.tasks import make_task

    options = make_task(recipe).input_options()  # CVACT has positions (`utm`): the masked loss applies
    assert (options.reference_feature, options.ground_interpolation, options.joint_flip) == ("polar", "area", True)
