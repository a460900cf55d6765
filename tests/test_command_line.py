"""The command lines start quietly and fail fast: bad flags and missing inputs are one line, before TensorFlow."""

import os
import subprocess
import sys
import time

import pytest

from cvgeo.command_line import _START_UP_LOG_LINE

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Python, absl, numpy and OpenCV start in well under a second; TensorFlow alone takes 3-5 s here.
FAST_SECONDS = 3.0


def _environment() -> dict:
    """The user's environment: no TF_CPP_MIN_LOG_LEVEL (conftest sets one for the test process)."""
    return {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}


def _run(*argv: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=REPO, env=_environment(),
                          timeout=120)
    return done, time.perf_counter() - started


@pytest.mark.parametrize("argv, expected", [
    (["train.py", "--model=cvm_net_iii"],
     ["--model=cvm_net_iii", "available models: crosslocate, cvm_net_i, cvm_net_ii, ori_cnn, safa"]),
    (["train.py", "--dataset=kitti"], ["--dataset=kitti", "available datasets: crosslocate_sparse_depth,", "cvusa_polar"]),
    (["train.py", "--recipe=paper"], ["--recipe=paper", "available recipes: cvm_net_i, cvm_net_i_small, cvm_net_ii"]),
    (["train.py", "--batch_size=1"], ["--batch_size must be at least 2 (in-batch negatives)"]),
    (["train.py", "--epochs=many"], ["--epochs=many", "invalid literal for int()"]),
    (["evaluate.py", "--protocol=kitti"], ["--protocol=kitti", "cvact_test", "crosslocate"]),
    (["evaluate.py", "--model=cvm_net", "--checkpoint=x"], ["--model=cvm_net", "available models:"]),
    (["evaluate.py", "--run_dir={missing}"], ["no training run in {missing}"]),
    (["evaluate.py", "--descriptors={missing}.npz"], ["{missing}.npz", "does not exist"]),
    (["localize.py", "build-index", "--run_dir={missing}", "--output=i.npz"], ["no training run in {missing}"]),
    (["localize.py", "build-index", "--dataset=kitti"], ["--dataset=kitti", "available datasets:"]),
    (["localize.py", "--index={missing}.npz", "photo.jpg"], ["{missing}.npz does not exist"]),
    (["localize.py", "--top_k=0", "--index=i.npz", "photo.jpg"], ["--top_k must be at least 1"]),
])
def test_bad_input_is_one_line_before_tensorflow(tmp_path, argv, expected):
    missing = str(tmp_path / "missing")
    done, seconds = _run(*(a.format(missing=missing) for a in argv))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith(f"{argv[0]}: "), done.stderr
    for fragment in expected:
        assert fragment.format(missing=missing) in lines[0], (fragment, lines[0])
    assert seconds < FAST_SECONDS, f"{argv} took {seconds:.1f} s: did TensorFlow start before the check?"


def test_help_lists_names_without_starting_tensorflow():
    done, seconds = _run("train.py", "--helpshort")
    assert "ori_cnn" in done.stdout and "vigor_cross_area" in done.stdout and "demo" in done.stdout
    assert seconds < FAST_SECONDS


def test_light_modules_do_not_import_tensorflow():
    code = ("import sys, cvgeo.command_line, cvgeo.registry_names, cvgeo.evaluation, cvgeo.inference.run_directory, "
            "cvgeo.inference.localization_index, cvgeo.inference.query_images; print('tensorflow' in sys.modules)")
    done, _ = _run("-c", code)
    assert done.stdout.strip() == "False", done.stderr


def test_tensorflow_starts_quietly_unless_verbosity_asks():
    code = ("import os; from cvgeo.command_line import start_tensorflow; start_tensorflow({verbosity}); "
            "import tensorflow as tf; print(int(tf.constant(2)), os.environ['TF_CPP_MIN_LOG_LEVEL'])")
    quiet, _ = _run("-c", code.format(verbosity=None))
    assert quiet.stdout.split() == ["2", "3"] and quiet.stderr == "", quiet.stderr
    verbose, _ = _run("-c", code.format(verbosity=0))
    assert verbose.stdout.split() == ["2", "0"], verbose.stderr


def test_start_up_filter_keeps_what_is_not_tensorflow_chatter():
    assert _START_UP_LOG_LINE.match("I0000 00:00:1796397874.637319    3294 port.cc:153] oneDNN custom operations are on.")
    assert _START_UP_LOG_LINE.match("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert _START_UP_LOG_LINE.match("2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] x")
    assert not _START_UP_LOG_LINE.match("F0000 00:00:1796397874.637319    3294 port.cc:153] fatal")
    assert not _START_UP_LOG_LINE.match("ImportError: libcudart.so.12: cannot open shared object file")
