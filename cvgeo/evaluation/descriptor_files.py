"""Reading and writing descriptor files: cvgeo's `.npz` and OriCNN's `.mat`.

`.npz` keys are the `Descriptors` field names (`query`, `reference` and any optional metadata).
OriCNN's evaluation script saves `grd_global_descriptor` (queries) and `sat_global_descriptor`
(references) with `scipy.io.savemat`.
"""

import os
import zipfile

import numpy as np
import scipy.io

from cvgeo.atomic_files import atomic_path
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError

# OriCNN `Matlab/` evaluation inputs: ground = query, satellite = reference.
_MAT_KEYS = {"query": "grd_global_descriptor", "reference": "sat_global_descriptor"}


def read_descriptors(path: str) -> Descriptors:
    """Loads a `.npz` (cvgeo) or `.mat` (OriCNN) descriptor file; EvaluationError names what is wrong."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise EvaluationError(f"descriptor file {path} does not exist")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npz":
        arrays = _read_npz(path)
    elif extension == ".mat":
        arrays = _read_mat(path)
    else:
        raise EvaluationError(f"descriptor file {path}: expected a .npz or .mat file, got '{extension}'")
    try:
        return Descriptors(**arrays)
    except EvaluationError as error:
        raise EvaluationError(f"descriptor file {path}: {error}") from None


def write_descriptors(path: str, descriptors: Descriptors) -> None:
    """Writes `descriptors` as `.npz` atomically (a temporary file renamed into place)."""
    with atomic_path(path, suffix=".npz") as temporary:
        np.savez(temporary, **descriptors.arrays())


def _read_npz(path: str) -> dict[str, np.ndarray]:
    known = set(Descriptors.__dataclass_fields__)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise EvaluationError(f"descriptor file {path} is not a readable .npz archive ({error})") from None
    missing = [key for key in ("query", "reference") if key not in arrays]
    if missing:
        raise EvaluationError(
            f"descriptor file {path} lacks the key(s) {', '.join(repr(k) for k in missing)}; "
            f"it has {sorted(arrays) or 'no arrays'} (expected 'query' [Q, D] and 'reference' [R, D])"
        )
    unknown = sorted(set(arrays) - known)
    if unknown:
        raise EvaluationError(
            f"descriptor file {path} has unknown key(s) {unknown}; known keys: {sorted(known)}"
        )
    return arrays


def _read_mat(path: str) -> dict[str, np.ndarray]:
    try:
        content = scipy.io.loadmat(path)
    except NotImplementedError:
        raise EvaluationError(
            f"descriptor file {path} is a MATLAB v7.3 (HDF5) file; save it with scipy.io.savemat or "
            "MATLAB's '-v7' option"
        ) from None
    except (OSError, ValueError) as error:
        raise EvaluationError(f"descriptor file {path} is not a readable .mat file ({error})") from None
    missing = [key for key in _MAT_KEYS.values() if key not in content]
    if missing:
        present = sorted(k for k in content if not k.startswith("__"))
        raise EvaluationError(f"descriptor file {path} lacks the variable(s) {missing}; it has {present}")
    return {name: content[key] for name, key in _MAT_KEYS.items()}
