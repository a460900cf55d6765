"""`load(model, path)`: original TF1 checkpoints and cvgeo's own formats into a cvgeo model."""

import os
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from cvgeo.checkpoints.bookkeeping import is_bookkeeping
from cvgeo.checkpoints.errors import CheckpointMismatchError, CheckpointPathError
from cvgeo.checkpoints.name_maps import TF1_NAME_MAPS
from cvgeo.checkpoints.tf1_reader import CheckpointReader, resolve_prefix

KERAS_WEIGHTS_SUFFIX = ".weights.h5"


@dataclass(frozen=True)
class LoadReport:
    """What `load` did.

    Attributes:
      source: the file or checkpoint prefix actually read.
      format: "tf1" (original `Saver` checkpoint), "tf2" (cvgeo training checkpoint), "keras"
        (`.weights.h5`) or "pth" (Toker et al.'s PyTorch checkpoint).
      variables_loaded: number of model variables set.
      tensors_read: TF1 only: the checkpoint entries read, in order (one per model variable).
      ignored: TF1 only: optimizer slots, beta powers and global steps present but not read.
    """

    source: str
    format: str
    variables_loaded: int
    tensors_read: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


def tf1_variable_names(model: keras.Model, naming: int = 0) -> dict[str, keras.Variable]:
    """Original TF1 variable name -> model variable, by the model family's name map number `naming`."""
    if model.name not in TF1_NAME_MAPS:
        raise CheckpointMismatchError(
            f"<{model.name} TF1 naming>",
            detail=f"model {model.name!r} has no original TF1 checkpoints; models that do: {', '.join(TF1_NAME_MAPS)}",
        )
    name_map = TF1_NAME_MAPS[model.name][naming]
    names, unmapped = {}, []
    for variable in model.weights:
        name = name_map(variable.path)
        if name is None:
            unmapped.append(variable.path)
        else:
            names[name] = variable
    if unmapped:
        raise CheckpointMismatchError(
            f"<{model.name} TF1 naming>",
            unmapped=unmapped,
            detail="these weights are not part of the original network (e.g. batch_norm=True); "
            "build the model with its original options",
        )
    return names


def _load_tf1(model: keras.Model, reader: CheckpointReader) -> LoadReport:
    available = {name: shape for name, shape in reader.shapes.items() if not is_bookkeeping(name)}
    # The family's naming that the checkpoint holds most of (mismatches are reported against it).
    namings = [tf1_variable_names(model, index) for index in range(len(TF1_NAME_MAPS[model.name]))]
    expected = max(namings, key=lambda names: len(set(names) & set(available)))
    ignored = tuple(sorted(name for name in reader.shapes if is_bookkeeping(name)))
    missing = sorted(set(expected) - set(available))
    unexpected = sorted(set(available) - set(expected))
    mis_shaped = [
        (name, available[name], tuple(expected[name].shape))
        for name in sorted(set(expected) & set(available))
        if available[name] != tuple(expected[name].shape)
    ]
    if missing or unexpected or mis_shaped:
        raise CheckpointMismatchError(reader.prefix, missing=missing, unexpected=unexpected, mis_shaped=mis_shaped)
    # One tensor at a time, each assigned before the next is read: memory ~ the largest tensor.
    for name, variable in expected.items():
        variable.assign(np.asarray(reader.read(name), dtype=variable.dtype))
    return LoadReport(reader.prefix, "tf1", len(expected), tuple(reader.reads), ignored)


def _restoring_on_failure(model: keras.Model, source: str, restore) -> None:
    """Runs `restore()`; if it fails, puts the previous weights back and raises a mismatch error."""
    previous = [variable.numpy() for variable in model.weights]
    try:
        restore()
    except (AssertionError, ValueError, tf.errors.OpError, KeyError) as error:
        for variable, value in zip(model.weights, previous):
            variable.assign(value)
        raise CheckpointMismatchError(source, detail=f"{type(error).__name__}: {error}") from None


def _load_tf2(model: keras.Model, prefix: str) -> LoadReport:
    # cvgeo's trainer saves tf.train.Checkpoint(model=..., optimizer=..., step=...): restore only
    # the `model` subtree and require every model variable to be matched.
    def restore():
        status = tf.train.Checkpoint(model=model).restore(prefix)
        status.expect_partial()  # the optimizer and step are left in the file, by design
        status.assert_existing_objects_matched()

    _restoring_on_failure(model, prefix, restore)
    return LoadReport(prefix, "tf2", len(model.weights))


def _load_keras(model: keras.Model, path: str) -> LoadReport:
    if not os.path.isfile(path):
        raise CheckpointPathError(f"no weights file at {path!r}")
    _restoring_on_failure(model, path, lambda: model.load_weights(path))
    return LoadReport(path, "keras", len(model.weights))


def load(model: keras.Model, path: str | os.PathLike) -> LoadReport:
    """Loads the weights at `path` into `model` (built, e.g. by `cvgeo.models.build`), all or nothing.

    `path` may be:
      * an original TF1 checkpoint prefix (`.../model.ckpt`, `.../CrossLocate-model-39`) or one of its
        files, or a folder whose `checkpoint` file names one: read by the model family's name map,
        tensor by tensor; Adam slots, beta powers and the global step are skipped unread;
      * a cvgeo training checkpoint (`runs/x/checkpoints/ckpt-3`, or its folder): only `model` is restored;
      * a `.weights.h5` file written by `save_weights` / the conversion CLI;
      * a Toker et al. PyTorch checkpoint (`rgan_best_ckpt.pth`) for a `toker` model (needs torch).

    Raises:
      CheckpointPathError: nothing readable at `path`.
      CheckpointMismatchError: the checkpoint does not hold exactly the model's variables with the
        model's shapes; it names every missing, unexpected and mis-shaped variable, and the model is
        left unchanged.
    """
    path = os.fspath(path)
    if path.endswith(KERAS_WEIGHTS_SUFFIX):
        return _load_keras(model, path)
    if path.endswith(".pth"):
        from cvgeo.checkpoints.toker_pth import load_toker_pth

        return LoadReport(path, "pth", load_toker_pth(model, path))
    prefix = resolve_prefix(path)
    reader = CheckpointReader(prefix)
    if reader.is_object_based:
        return _load_tf2(model, prefix)
    return _load_tf1(model, reader)
