"""cvgeo.registry_names (read by the command lines without TensorFlow) agrees with the registries."""

from cvgeo.models import MODELS
from cvgeo.registry_names import MODEL_NAMES, RECIPE_NAMES
from cvgeo.training.recipes import RECIPES


def test_model_names_are_the_registry():
    assert list(MODEL_NAMES) == list(MODELS)


def test_recipe_names_are_the_recipes():
    assert list(RECIPE_NAMES) == list(RECIPES)
