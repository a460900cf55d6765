"""evaluate.py on a toker run: Toker's R@1% rule, both directions, synthesised views as PNGs."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.models import build
from cvgeo.training import TrainConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (24, 96)


@pytest.mark.slow  # trains, then evaluates, in subprocesses
def test_toker_run_is_evaluated_in_both_directions_and_synthesises(tmp_path):
    run = tmp_path / "run"
    options = {"query_shape": SHAPE, "reference_shape": SHAPE, "heads": 2}
    keras.utils.set_random_seed(0)
    model = build("toker", **options)
    tf.train.Checkpoint(model=model).save(str(run / "checkpoints" / "ckpt"))
    config = TrainConfig(model="toker", task="toker", model_options=options, output_dir=str(run))
    (run / "config.json").write_text(config.to_json())

    done = subprocess.run(
        [sys.executable, os.path.join(REPO, "evaluate.py"), f"--run_dir={run}", "--synthesized=2", "--batch_size=50"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["num_queries"] == 300
    assert metrics["recall@1%_k"] == 3  # toker: rank < 0.01 N (cvm's rule would give 4)
    assert metrics["aerial_to_street/recall@1%_k"] == 3
    assert 0.0 <= metrics["aerial_to_street/recall@1"] <= 100.0
    pngs = sorted(os.listdir(run / "synthesized"))
    assert len(pngs) == 2
    image = tf.io.decode_png(tf.io.read_file(str(run / "synthesized" / pngs[0]))).numpy()
    assert image.shape == (3 * SHAPE[0], SHAPE[1], 3)
    # The synthesised middle band is the model's output for the polar band above it (which the PNG
    # holds rounded to uint8, hence a few levels of difference).
    polar = image[None, : SHAPE[0]].astype(np.float32)
    expected = np.clip(np.round((model.synthesize(polar)[0] + 1.0) * 127.5), 0, 255)
    difference = np.abs(image[SHAPE[0] : 2 * SHAPE[0]].astype(np.float32) - expected)
    assert difference.mean() < 1.0 and difference.max() <= 8
