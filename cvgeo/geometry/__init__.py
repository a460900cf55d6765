"""Geometry: SAFA's polar transform, differentiable image warps (grid sampling, affine and TPS grids),
orientation maps and geodesy. A leaf package: it imports only tensorflow, numpy, scipy and pyproj.

`affine_grid`, `grid_sample`, `tps_grid` and `tps_target_points` are exported here and loaded on first
use, so importing `cvgeo.geometry.geodesy` (as `cvgeo.evaluation` does) does not import TensorFlow.
"""

import importlib
import sys
import types

_EXPORTS = {
    "affine_grid": "cvgeo.geometry.affine_grid",
    "grid_sample": "cvgeo.geometry.grid_sample",
    "tps_grid": "cvgeo.geometry.tps_grid",
    "tps_target_points": "cvgeo.geometry.tps_grid",
}
__all__ = sorted(_EXPORTS)


class _GeometryPackage(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name not in _EXPORTS:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        super().__setattr__(name, value)
        return value

    def __setattr__(self, name: str, value: object) -> None:
        # Importing a submodule binds it on its package; three submodules share their function's name,
        # and `cvgeo.geometry.grid_sample` must stay the function whichever was imported first.
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _GeometryPackage
