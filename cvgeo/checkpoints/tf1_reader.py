"""Finding and reading TensorFlow checkpoints tensor by tensor (no TF1 runtime, no whole-file load)."""

import os
import re

import numpy as np
import tensorflow as tf

from cvgeo.checkpoints.errors import CheckpointPathError

# Object-based (TF2 `tf.train.Checkpoint`) checkpoints hold this key; name-based TF1 ones do not.
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_SHARD_SUFFIX = re.compile(r"\.(index|meta|data-\d{5}-of-\d{5})$")


def _from_checkpoint_file(folder: str) -> str:
    """The newest prefix named by a folder's `checkpoint` file, also when its paths are stale."""
    prefix = tf.train.latest_checkpoint(folder)
    if prefix is not None:
        return prefix
    # TF1 savers write the path they were given (e.g. "../Model/CVM-NET-I/1/model.ckpt"), which is
    # wrong once the folder has moved: fall back to the file name inside this folder.
    state = tf.train.get_checkpoint_state(folder)
    if state is not None and state.model_checkpoint_path:
        candidate = os.path.join(folder, os.path.basename(state.model_checkpoint_path))
        if os.path.exists(candidate + ".index"):
            return candidate
    raise CheckpointPathError(
        f"folder {folder!r} has a `checkpoint` file, but the checkpoint it names has no .index file there"
    )


def resolve_prefix(path: str | os.PathLike) -> str:
    """The checkpoint prefix for `path`: a prefix, one of its files, or a folder with a `checkpoint` file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "checkpoint")):
            raise CheckpointPathError(
                f"folder {path!r} holds no `checkpoint` file; pass a checkpoint prefix such as "
                f"{os.path.join(path, 'model.ckpt')!r} or a .weights.h5 file"
            )
        return _from_checkpoint_file(path)
    prefix = _SHARD_SUFFIX.sub("", path)
    if not os.path.isfile(prefix + ".index"):
        raise CheckpointPathError(
            f"no checkpoint at {path!r}: expected a TF checkpoint prefix (with {prefix + '.index'!r} beside its "
            "data files), a folder with a `checkpoint` file, or a .weights.h5 file"
        )
    return prefix


class CheckpointReader:
    """Lists a checkpoint's tensors and reads them one at a time.

    Memory stays at one tensor per `read`: `tf.train.load_checkpoint` only parses the index, and
    `get_tensor` reads a single entry from the data shards. `reads` records every tensor read.
    """

    def __init__(self, prefix: str):
        self.prefix = prefix
        try:
            self._reader = tf.train.load_checkpoint(prefix)
        except (tf.errors.OpError, ValueError) as error:
            raise CheckpointPathError(f"cannot read checkpoint {prefix!r}: {error}") from None
        self.shapes: dict[str, tuple[int, ...]] = {
            name: tuple(int(s) for s in shape) for name, shape in self._reader.get_variable_to_shape_map().items()
        }
        self.reads: list[str] = []

    @property
    def is_object_based(self) -> bool:
        """True for TF2 `tf.train.Checkpoint` files, False for TF1 `Saver` files."""
        return OBJECT_GRAPH_KEY in self.shapes

    def read(self, name: str) -> np.ndarray:
        self.reads.append(name)
        return self._reader.get_tensor(name)
