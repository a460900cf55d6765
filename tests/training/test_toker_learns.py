"""`python train.py --model=toker` (the toker_small recipe) learns retrieval and synthesis on the synthetic dataset."""

import json
import os

import keras
import numpy as np
import pytest

from cvgeo.data import dataset_spec, load_split
from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.models import build
from cvgeo.training import TrainConfig, train
from cvgeo.training.recipes import RECIPES, recipe_name
from cvgeo.training.tasks import make_task


def synthesis_l1(model, config: TrainConfig) -> float:
    """Mean |synthesised - real| street view in [-1, 1] (the training L1) over the test split's pairs."""
    options = make_task(config).input_options()
    examples = load_split(config.dataset, dataset_spec(config.dataset).eval_split, tfds_dir=config.tfds_dir)
    total, count = 0.0, 0
    for batch in pair_pipeline(examples, options, batch_size=50, training=False):
        fake = model.synthesize(batch["reference"].numpy())
        real = model.normalize(batch["query"]).numpy()
        total += float(np.abs(fake.astype(np.float64) - real).sum())
        count += real.size
    return total / count


@pytest.mark.slow
def test_toker_small_learns_retrieval_and_synthesis(tmp_path):
    from cvgeo.training.validation import make_validator

    assert recipe_name("toker", "synthetic_crossview", synthetic=True) == "toker_small"
    config = RECIPES["toker_small"].replace(output_dir=str(tmp_path / "run"))
    # The generator the run starts from: the trainer seeds, then builds the model first.
    keras.utils.set_random_seed(config.seed)
    start_l1 = synthesis_l1(build(config.model, **config.model_options), config)
    model = train(config, validate=make_validator(config))
    with open(os.path.join(config.output_dir, "validation.jsonl")) as stream:
        last = [json.loads(line) for line in stream][-1]
    assert last["step"] == 250 and last["num_queries"] == 300
    assert last["recall@1"] >= 5 * 100.0 / 300  # 5x chance on the 300 test pairs
    end_l1 = synthesis_l1(model, config)
    print(f"R@1 {last['recall@1']:.2f} %, synthesis L1 on the test pairs {start_l1:.4f} -> {end_l1:.4f}")
    assert end_l1 < start_l1
