"""localize.py's bad-input paths, run as a user would (a subprocess): one clear message, no traceback."""

import os
import subprocess
import sys

import numpy as np
import pytest

from cvgeo.inference.localization_index import LocalizationIndex

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _localize(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "localize.py"), *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=120)


@pytest.mark.parametrize("flags,message", [
    ([], "--index"),
    (["--index={missing}", "img.png"], "does not exist"),
    (["--index={index}", "{missing_image}"], "cannot read image"),
    (["build-index"], "--output"),
])
def test_cli_errors_are_clear(tmp_path, flags, message):
    config = {"family": "cvm_net_i", "options": {}, "query_shape": [32, 128], "reference_shape": [64, 64]}
    LocalizationIndex(np.ones((2, 4), np.float32), config).save(str(tmp_path / "i.npz"))
    names = {"missing": tmp_path / "none.npz", "index": tmp_path / "i.npz", "missing_image": tmp_path / "no.png"}
    done = _localize(*[f.format(**names) for f in flags])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
