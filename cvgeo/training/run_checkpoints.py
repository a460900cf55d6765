"""A run's training checkpoints, safe against a kill at any moment.

`tf.train.CheckpointManager.save` writes `ckpt-N.data-*` (through a `ckpt-N_temp/` folder) and
`ckpt-N.index` first and only then the `checkpoint` state file, which names the latest checkpoint and
is replaced atomically (written to `checkpoint.tmp<uuid>` and renamed). That rename is the commit
point: a process killed before it leaves the state naming the previous checkpoint, which is whole.
What is not safe by itself: saving again under the number of a committed checkpoint rewrites its
files in place, so `save` never does that; and the killed save's files stay behind, so they are
removed before a run continues.
"""

import os
import re
import shutil

import tensorflow as tf

_PREFIX = "ckpt"
_FILE = re.compile(rf"{_PREFIX}-(\d+)(?:\.index|\.data-\d{{5}}-of-\d{{5}}|_temp)$")


class RunCheckpoints:
    """The checkpoints of one run folder: restore the newest, save by step number, keep the last 3.

    `required` must all be in a checkpoint being restored (the task's networks and optimizers, the
    step); `optional` are restored when present and keep their values otherwise, so that runs
    checkpointed before such bookkeeping existed still resume. `restore_from` (default: `directory`)
    is where `restore` looks: a non-chief worker restores the chief's checkpoints and saves its own
    elsewhere.
    """

    def __init__(self, directory: str, required: dict, optional: dict, restore_from: str | None = None):
        self.checkpoint = tf.train.Checkpoint(**required, **optional)
        self._required, self._optional = tf.train.Checkpoint(**required), tf.train.Checkpoint(**optional)
        self._restore_from = directory if restore_from is None else restore_from
        remove_unfinished(directory)
        self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=3, checkpoint_name=_PREFIX)

    @property
    def latest(self) -> str | None:
        return self.manager.latest_checkpoint

    def restore(self) -> str | None:
        """Loads the newest committed checkpoint into the trackables; its prefix, or None if there is none."""
        latest = self.latest if self._restore_from == self.manager.directory else tf.train.latest_checkpoint(self._restore_from)
        if latest:
            self._required.restore(latest).assert_existing_objects_matched()
            self._optional.restore(latest).expect_partial()
        return latest

    def save(self, step: int) -> str:
        """Writes checkpoint `ckpt-<step>` unless the newest one already holds this step."""
        if self.latest is not None and _number(self.latest) == step:
            return self.latest
        return self.manager.save(checkpoint_number=step)


def _number(prefix: str) -> int:
    return int(prefix.rsplit("-", 1)[1])


def remove_unfinished(directory: str) -> list[str]:
    """Deletes what an interrupted save left in `directory`: checkpoint files the state file does not
    list, their `_temp` folders and `checkpoint.tmp*` files. Returns the names removed."""
    if not os.path.isdir(directory):
        return []
    state = tf.train.get_checkpoint_state(directory)
    kept = {_number(path) for path in state.all_model_checkpoint_paths} if state else set()
    if state and state.model_checkpoint_path:
        kept.add(_number(state.model_checkpoint_path))
    removed = []
    for name in sorted(os.listdir(directory)):
        match = _FILE.match(name)
        if (match and int(match.group(1)) not in kept) or name.startswith("checkpoint.tmp"):
            path = os.path.join(directory, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            removed.append(name)
    return removed
