"""Writes TF1 training checkpoints the way the originals' `tf.train.Saver(tf.global_variables())` does."""

import contextlib

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1


def write_tf1_checkpoint(
    prefix: str,
    table: dict[str, tuple[tuple[int, ...], bool]],
    values: dict[str, np.ndarray],
    *,
    adam_scope: str | None = "train",
    global_step: int = 39,
) -> list[str]:
    """Saves `values` under their TF1 names, plus the training bookkeeping, to `prefix`; returns all names.

    As in the originals: variables made by `get_variable` inside variable scopes, a global step
    `tf.Variable(0)` (saved as `Variable`), `AdamOptimizer.minimize` inside `name_scope(adam_scope)`
    (slots `<var>/Adam`, `<var>/Adam_1` for the trainable variables, `<scope>/beta{1,2}_power`),
    then a Saver over all global variables. Slots and beta powers are filled with a distinct
    constant per variable (cheap to make), so that a loader reading them by mistake produces wrong
    descriptors.
    """
    graph = tf.Graph()
    with graph.as_default():
        variables = {}
        for name, (shape, trainable) in table.items():
            *scopes, leaf = name.split("/")
            with v1.variable_scope("/".join(scopes), reuse=False) if scopes else contextlib.nullcontext():
                variables[name] = v1.get_variable(
                    leaf, shape=shape, dtype=tf.float32, initializer=v1.zeros_initializer(), trainable=trainable
                )
            assert variables[name].op.name == name, (variables[name].op.name, name)
        step = v1.Variable(0, name=None)  # the originals' unnamed global step -> "Variable"
        trainable_vars = [variables[n] for n, (_, t) in table.items() if t]
        loss = tf.add_n([tf.reduce_sum(tf.square(v)) for v in trainable_vars])
        optimizer = v1.train.AdamOptimizer(1e-5, 0.9, 0.999)
        if adam_scope:
            with tf.name_scope(adam_scope):
                optimizer.minimize(loss)
        else:
            optimizer.minimize(loss)
        saver = v1.train.Saver(v1.global_variables())
        feeds = {}
        for variable in v1.global_variables():
            name = variable.op.name
            if name in variables:
                value = values[name]
            elif variable.dtype.base_dtype == tf.int32:
                value = np.int32(global_step)
            else:
                value = np.full(variable.shape.as_list(), 3.0 + 0.01 * len(name), np.float32)
            # Initialising with a fed value keeps the weights out of the graph definition.
            feeds[variable.initializer.inputs[1]] = value
        with v1.Session(graph=graph) as session:
            session.run([v.initializer for v in v1.global_variables()], feed_dict=feeds)
            saver.save(session, prefix, write_meta_graph=False)
            names = [v.op.name for v in v1.global_variables()]
    assert step.op.name == "Variable"
    return names

