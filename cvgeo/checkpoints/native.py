"""cvgeo's native weight files: Keras `.weights.h5`, written atomically."""

import os
import tempfile

import keras

from cvgeo.checkpoints.errors import CheckpointPathError
from cvgeo.checkpoints.loader import KERAS_WEIGHTS_SUFFIX


def save_weights(model: keras.Model, path: str | os.PathLike) -> str:
    """Writes `model`'s weights to `path` (must end in .weights.h5) via a temp file and a rename,
    so that `path` is either the old file or the complete new one, never half written."""
    path = os.fspath(path)
    if not path.endswith(KERAS_WEIGHTS_SUFFIX):
        raise CheckpointPathError(f"weights path {path!r} must end with {KERAS_WEIGHTS_SUFFIX!r}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=KERAS_WEIGHTS_SUFFIX)
    os.close(handle)
    try:
        model.save_weights(temporary, overwrite=True)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path
