import numpy as np
import tensorflow as tf

from cvgeo.training.checkpoint_files import flush_and_release


def test_flush_and_release_handles_every_file_of_the_checkpoint_and_leaves_it_restorable(tmp_path):
    variable = tf.Variable(np.arange(6, dtype=np.float32))
    checkpoint = tf.train.Checkpoint(v=variable)
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=2)
    first = manager.save(checkpoint_number=1)
    variable.assign_add(tf.ones(6))
    second = manager.save(checkpoint_number=2)

    handled = flush_and_release(second)

    assert [p.rsplit("/", 1)[1] for p in handled] == ["ckpt-2.data-00000-of-00001", "ckpt-2.index"]
    assert first not in "".join(handled)
    variable.assign(tf.zeros(6))
    checkpoint.restore(second).assert_consumed()
    np.testing.assert_array_equal(variable.numpy(), np.arange(6) + 1)
