"""Every trainable model learns on the synthetic dataset with its small recipe (as `python train.py
--model=X --max_steps=N` trains it): test R@1 at least 5x chance, on the 300 test pairs or (VIGOR-style)
the 300 test panoramas against the city's 324 tiles."""

import pytest

from cvgeo.training import train
from cvgeo.training.recipes import RECIPES
from cvgeo.training.validation import make_validator

CHANCE_R1 = 100.0 / 300
STEPS_VIGOR = 852  # six epochs of int(2000 / 14) batches


def _test_recall(config) -> dict:
    """The trained model's test metrics with the dataset's protocol (the run's validation, on every query)."""
    model = train(config)
    metrics = make_validator(config.replace(eval_split="test"))(model, config.epochs)
    print(f"{config.model} after {config.max_steps} steps: " + ", ".join(f"{key} {metrics[key]:.2f}" for key in ("recall@1", "recall@5", "recall@1%")))
    return metrics


@pytest.mark.slow
@pytest.mark.ci
def test_demo_recipe_learns_in_220_steps(tmp_path):
    config = RECIPES["demo"].replace(max_steps=220, output_dir=str(tmp_path / "run"))
    metrics = _test_recall(config)
    assert metrics["recall@1"] >= 5 * CHANCE_R1, metrics


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, steps",
    [
        ("cvm_net_i", 600), ("cvm_net_ii", 600), ("ori_cnn", 600), ("safa", 400),
        ("safa_stn_affine", 400), ("safa_stn_composed", 400), ("safa_stn_tps", 400),
    ],
)
def test_small_recipe_learns(model, steps, tmp_path):
    config = RECIPES[f"{model}_small"].replace(epochs=100, max_steps=steps, output_dir=str(tmp_path / "run"))
    metrics = _test_recall(config)
    assert metrics["recall@1"] >= 5 * CHANCE_R1, metrics


@pytest.mark.slow
def test_safa_learns_on_the_vigor_style_city(tmp_path):
    config = RECIPES["safa_vigor_small"].replace(epochs=100, max_steps=STEPS_VIGOR, output_dir=str(tmp_path / "run"))
    metrics = _test_recall(config)
    assert metrics["protocol"] == "vigor" and metrics["num_references"] == 324
    assert metrics["recall@1"] >= 5 * 100.0 / 324, metrics
