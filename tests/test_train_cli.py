"""train.py's bad-input paths: one clear message, non-zero exit, no traceback."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_train(*flags: str, cwd: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), *flags],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--model=cvm_net_iii"], "available models: crosslocate, cvm_net_i, cvm_net_ii, ori_cnn, safa"),
        (["--dataset=nowhere"], "available datasets:"),
        (["--batch_size=1"], "--batch_size must be at least 2"),
        (["--model=crosslocate"], "crosslocate has no training recipe yet"),
        (["--dataset=synthetic_crossview_tiny"], "set --query_height and --query_width to at most 16 and 64"),
        (["--checkpoint_every_steps=0"], "--checkpoint_every_steps must be at least 1"),
        (["--mixed_precision=fp8"], "value should be one of <bf16|fp16>"),
        (["--cpu_devices=0"], "--cpu_devices must be at least 1"),
        (["--strategy=multi_worker"], "--strategy=multi_worker needs the TF_CONFIG environment variable"),
        (["--strategy=mirrored", "--cpu_devices=2", "--batch_size=5"], "--batch_size=5 does not split evenly over 2 replicas"),
        (["--strategy=mirrored", "--cpu_devices=2", "--jit_compile"], "--jit_compile compiles the step for one device"),
        (["--model=cvm_net_i", "--dataset=cvusa"], "splits/train-19zl.csv"),
        (["--dataset=cvusa", "--data_dir=missing_folder"], "--data_dir missing_folder is not a folder"),
    ],
)
def test_bad_flags_give_one_clear_message(flags, expected, tmp_path):
    result = _run_train(*flags, f"--output_dir={tmp_path / 'run'}", f"--tfds_dir={tmp_path / 'tfds'}", cwd=str(tmp_path))
    assert result.returncode == 2
    assert expected in result.stderr
    if "cvusa" in " ".join(flags):  # names where it looked and where the dataset comes from
        assert str(tmp_path / "tfds") in result.stderr and "mvrl.cse.wustl.edu" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()
