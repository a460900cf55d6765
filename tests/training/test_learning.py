"""Every trainable model learns on the synthetic dataset with its small recipe (as `python train.py
--model=X --max_steps=N` trains it): test R@1 at least 5x chance on the 300 test pairs."""

import pytest

from cvgeo.data import load_split
from cvgeo.evaluation.paired_protocol import evaluate_paired
from cvgeo.inference.split_descriptors import describe_examples
from cvgeo.training import train
from cvgeo.training.recipes import RECIPES
from cvgeo.training.tasks import make_task

CHANCE_R1 = 100.0 / 300


def _test_recall(config) -> dict:
    model = train(config)
    examples = load_split(config.dataset, "test", tfds_dir=config.tfds_dir)
    descriptors = describe_examples(model, examples, progress=False, options=make_task(config).input_options())
    metrics = evaluate_paired(descriptors).metrics
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
