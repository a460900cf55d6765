import os
import subprocess
import sys
from pathlib import Path

import cvgeo.geometry

ROOT = Path(__file__).resolve().parents[2]


def test_exports_are_the_functions_whichever_import_came_first():
    import cvgeo.geometry.grid_sample  # noqa: F401  binds nothing over the function
    from cvgeo.geometry import affine_grid, grid_sample, tps_grid, tps_target_points
    from cvgeo.geometry.tps_grid import tps_grid as direct

    assert all(callable(f) and f.__name__ == name for f, name in (
        (affine_grid, "affine_grid"), (grid_sample, "grid_sample"), (tps_grid, "tps_grid"),
        (tps_target_points, "tps_target_points"),
    ))
    assert cvgeo.geometry.tps_grid is direct and cvgeo.geometry.grid_sample is grid_sample
    assert sorted(cvgeo.geometry.__all__) == ["affine_grid", "grid_sample", "tps_grid", "tps_target_points"]


def test_geodesy_alone_does_not_import_tensorflow():
    code = "import sys, cvgeo.geometry.geodesy; sys.exit('tensorflow' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 0
