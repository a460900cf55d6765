"""evaluate.py in descriptor mode, run as a user would (a subprocess)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _evaluate(*flags):
    return subprocess.run([sys.executable, os.path.join(REPO, "evaluate.py"), *flags], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=120)


@pytest.fixture
def descriptor_file(tmp_path):
    # Similarity = the query rows (identity references): ranks 0, 0 (tie), 2, 3.
    query = np.array([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.9, 0.8, 0.7, 0], [1, 1, 1, 0.5]], np.float32)
    np.savez(tmp_path / "d.npz", query=query, reference=np.eye(4, dtype=np.float32))
    return tmp_path / "d.npz"


def test_descriptor_mode_writes_metrics(descriptor_file, tmp_path):
    out = tmp_path / "out" / "metrics.json"
    done = _evaluate(f"--descriptors={descriptor_file}", "--protocol=cvusa", f"--metrics_out={out}",
                     "--top_percent_rule=safa")
    assert done.returncode == 0, done.stderr
    metrics = json.loads(out.read_text())
    assert metrics["recall@1"] == 50.0 and metrics["recall@5"] == 100.0 and metrics["recall@10"] == 100.0
    assert metrics["recall@1%_k"] == 0 and metrics["recall@1%"] == 0.0  # safa: floor(0.04)
    assert metrics["num_queries"] == 4 and metrics["num_references"] == 4
    assert "recall@1" in done.stdout


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--descriptors={missing}"], "does not exist"),
        (["--descriptors={file}", "--protocol=vigor"], "semi_positives"),
        (["--descriptors={file}", "--protocol=cvact_test"], "query_xy"),
        (["--descriptors={bad}"], "lacks the key(s) 'reference'"),
    ],
)
def test_bad_input_is_one_clear_message(descriptor_file, tmp_path, flags, message):
    np.savez(tmp_path / "bad.npz", query=np.ones((2, 2)))
    names = {"missing": tmp_path / "none.npz", "file": descriptor_file, "bad": tmp_path / "bad.npz"}
    out = tmp_path / "m.json"
    done = _evaluate(*[f.format(**names) for f in flags], f"--metrics_out={out}")
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_unknown_protocol_lists_choices(descriptor_file):
    done = _evaluate(f"--descriptors={descriptor_file}", "--protocol=kitti")
    assert done.returncode != 0 and "cvact_test" in done.stderr and "Traceback" not in done.stderr


def test_model_mode_without_a_run_is_a_clear_error(tmp_path):
    done = _evaluate(f"--run_dir={tmp_path / 'no_run'}", f"--metrics_out={tmp_path / 'm.json'}")
    assert done.returncode != 0 and "no training run" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m.json").exists()
