"""`python train.py --model=toker` (the toker_small recipe) learns retrieval on the synthetic dataset."""

import json
import os

import pytest

from cvgeo.training import train
from cvgeo.training.recipes import RECIPES, recipe_name


@pytest.mark.slow
def test_toker_small_reaches_five_times_chance(tmp_path):
    from cvgeo.training.validation import make_validator

    assert recipe_name("toker", "synthetic_crossview", synthetic=True) == "toker_small"
    config = RECIPES["toker_small"].replace(output_dir=str(tmp_path / "run"))
    train(config, validate=make_validator(config))
    with open(os.path.join(config.output_dir, "validation.jsonl")) as stream:
        last = [json.loads(line) for line in stream][-1]
    assert last["step"] == 250 and last["num_queries"] == 300
    assert last["recall@1"] >= 5 * 100.0 / 300  # 5x chance on the 300 test pairs
