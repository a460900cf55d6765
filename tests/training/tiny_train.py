"""train.py's `main` on the tiny test network, with faults injected: a subprocess for test_robust_training.py.

The run's TrainConfig comes as JSON in TINY_CONFIG (so an in-process run can continue it with the very
same configuration). Faults, each "<step>" counted in optimisation steps of this process:
  TINY_SIGNAL="<name>:<step>"  sends itself signal <name> (SIGTERM, SIGKILL, ...) as step <step> starts;
  TINY_KILL_IN_SAVE="<step>"   SIGKILLs itself while saving ckpt-<step>, after its data files are written
                               and half of them truncated, before the `checkpoint` state file names it;
  TINY_NAN_AT_STEP="<step>"    makes step <step>'s "triplet" loss NaN.
"""

import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import train as train_cli  # noqa: E402
from tests.training.conftest import SMALL_MODELS  # noqa: E402


def _inject_faults() -> None:
    import glob

    import tensorflow as tf

    from cvgeo.models import registry
    from cvgeo.training.tasks import SiameseTask

    registry.MODELS.update(SMALL_MODELS)
    steps = [0]
    step_once = SiameseTask.train_step

    def faulty_step(self, batch):
        steps[0] += 1
        if "TINY_SIGNAL" in os.environ:
            name, at = os.environ["TINY_SIGNAL"].split(":")
            if steps[0] == int(at):
                os.kill(os.getpid(), getattr(signal, name))
        result = step_once(self, batch)
        if steps[0] == int(os.environ.get("TINY_NAN_AT_STEP", 0)):
            result = result._replace(losses={**result.losses, "triplet": tf.constant(float("nan"))})
        return result

    SiameseTask.train_step = faulty_step
    record_state = tf.train.CheckpointManager._record_state

    def killed_record_state(manager):
        prefix = manager.latest_checkpoint
        if prefix.endswith(f"-{os.environ.get('TINY_KILL_IN_SAVE')}"):
            for path in glob.glob(prefix + ".data-*"):
                os.truncate(path, os.path.getsize(path) // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        record_state(manager)

    tf.train.CheckpointManager._record_state = killed_record_state


def _config(values):
    del values
    from cvgeo.training import TrainConfig

    _inject_faults()
    return TrainConfig.from_json(os.environ["TINY_CONFIG"])


if __name__ == "__main__":
    from absl import app

    from cvgeo import command_line

    train_cli.resolve_config = _config
    train_cli.define_flags()
    app.run(lambda argv: sys.exit(train_cli.main(argv)), flags_parser=command_line.flags_parser("train.py"))
