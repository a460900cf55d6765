"""`python -m cvgeo.checkpoints convert`: weights + manifest, atomic, clear failures."""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import original_forward
import original_variables
from tf1_writer import write_tf1_checkpoint

from cvgeo.checkpoints import CheckpointMismatchError, convert, load
from cvgeo.checkpoints.manifest import read_manifest
from cvgeo.models import from_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def crosslocate_checkpoint(tmp_path_factory):
    table = original_variables.crosslocate()
    weights = original_variables.random_weights(table, seed=5)
    prefix = str(tmp_path_factory.mktemp("crosslocate") / "CrossLocate-model-39")
    write_tf1_checkpoint(prefix, table, weights, adam_scope=None)
    return prefix, weights


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_cli_converts_tf1_checkpoint_to_weights_and_manifest(tmp_path, crosslocate_checkpoint):
    prefix, weights = crosslocate_checkpoint
    destination = tmp_path / "checkpoints" / "crosslocate.weights.h5"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO}
    result = subprocess.run(
        [sys.executable, "-m", "cvgeo.checkpoints", "convert", "--model=crosslocate", f"--from={prefix}",
         f"--to={destination}", "--model_option=query_shape=(32, 32)", "--model_option=reference_shape=(40, 40)"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "checkpoints" / "crosslocate.manifest.json").read_text())
    assert manifest["source"] == prefix
    assert manifest["source_format"] == "tf1"
    assert manifest["source_sha256"] == {
        os.path.basename(prefix) + suffix: sha256(prefix + suffix) for suffix in (".index", ".data-00000-of-00001")
    }
    assert manifest["weights_sha256"] == sha256(destination)
    assert manifest["model_config"] == {
        "family": "crosslocate", "options": {"two_branch": False}, "query_shape": [32, 32], "reference_shape": [40, 40],
    }
    assert manifest["descriptor_dim"] == 512 and manifest["parameters"] == 14_714_688
    assert "no mean subtraction" in manifest["preprocessing"]
    assert read_manifest(str(destination)) == manifest

    model = from_config(manifest["model_config"])  # the manifest alone rebuilds the network
    assert load(model, destination).format == "keras"
    images = np.random.default_rng(1).integers(0, 256, (2, 40, 40, 3)).astype(np.uint8)
    expected = original_forward.crosslocate(weights, images, images)[1]
    np.testing.assert_allclose(model.embed_reference(images), expected, atol=2e-4)


def test_failed_conversion_writes_nothing(tmp_path, crosslocate_checkpoint):
    destination = tmp_path / "safa.weights.h5"
    with pytest.raises(CheckpointMismatchError):
        convert("safa", crosslocate_checkpoint[0], destination, query_shape=(48, 128), reference_shape=(48, 128))
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="must end with"):
        convert("crosslocate", crosslocate_checkpoint[0], tmp_path / "x.h5")


def test_cli_reports_bad_input_in_one_message(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO}
    result = subprocess.run(
        [sys.executable, "-m", "cvgeo.checkpoints", "convert", "--model=safa", f"--from={tmp_path / 'model.ckpt'}",
         f"--to={tmp_path / 'safa.weights.h5'}"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: no checkpoint at" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == []
