"""CVM-Net-I/II training graphs built the original way, through `tf.compat.v1`, for benchmarks.

The reference point for cvgeo's speed: the authors' TF1 code (`VGG.py`, `loupe.py`, `transnet_v2.py`,
`cvm_net.py`, `train.py`) built placeholders -> network -> loss -> `AdamOptimizer.minimize` inside
`name_scope('train')` and ran it with `sess.run` on numpy batches fed through `feed_dict`. This module
rebuilds that graph from the published description (variable scopes and names, initialisers, the
`keep_prob` dropout, the `log(1 + exp(.))` loss with its Python-constant normaliser), in a graph of
its own so that it can live in the same process as cvgeo's eager/Keras code. It is benchmark-only:
the library never depends on TF1 APIs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

# `input_data.py`: cv2 BGR images minus these means (R is 123.6 in the original, not 123.68).
BGR_MEANS = np.array([103.939, 116.779, 123.6], np.float32)
_VGG16 = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))
_NUM_CLUSTERS = 64
_DESCRIPTOR_DIM = 4096


@dataclass
class Tf1TrainingGraph:
    """The tensors and ops a TF1 training script touches."""

    graph: tf.Graph
    ground: tf.Tensor  # placeholder `grd_x`, BGR minus means
    aerial: tf.Tensor  # placeholder `sat_x`
    keep_prob: tf.Tensor
    learning_rate: tf.Tensor
    ground_descriptor: tf.Tensor
    aerial_descriptor: tf.Tensor
    loss: tf.Tensor
    train_op: tf.Operation
    init_op: tf.Operation


def caffe_bgr(rgb_images: np.ndarray) -> np.ndarray:
    """What `input_data.py` hands the graph: BGR float32 minus the Caffe means (done in numpy)."""
    return rgb_images[..., ::-1].astype(np.float32) - BGR_MEANS


def _conv(x, name: str, kernel: int, channels: int, trainable: bool):
    with v1.variable_scope(name):
        shape = [kernel, kernel, int(x.shape[-1]), channels]
        # `VGG.py` / `transnet_v2.py`: xavier (uniform) for weights and biases alike.
        weights = v1.get_variable("weights", shape, initializer=v1.glorot_uniform_initializer(), trainable=trainable)
        biases = v1.get_variable("biases", [channels], initializer=v1.glorot_uniform_initializer(), trainable=trainable)
        return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, weights, [1, 1, 1, 1], "SAME"), biases))


def _vgg16(x, scope: str, keep_prob, is_training: bool):
    """`VGG.py`: 13 convs, pools after blocks 1-4, dropout (keep_prob) after every conv of blocks 4-5."""
    with v1.variable_scope(scope):
        for block, count, channels in _VGG16:
            for index in range(1, count + 1):
                x = _conv(x, f"conv{block}_{index}", 3, channels, trainable=is_training and block > 3)
                if block > 3:
                    x = v1.nn.dropout(x, keep_prob=keep_prob)
            if block < 5:
                x = tf.nn.max_pool2d(x, 2, 2, "SAME")
    return x


def _netvlad(features, scope: str, reduce_dim: bool, reuse: bool):
    """`loupe.NetVLAD.forward` as CVM-Net uses it (K=64, separate centres, D-major flatten)."""
    dim = int(features.shape[-1])
    k = _NUM_CLUSTERS
    with v1.variable_scope(scope, reuse=reuse):
        init = v1.random_normal_initializer(stddev=1.0 / np.sqrt(dim))
        cluster_weights = v1.get_variable("cluster_weights", [dim, k], initializer=init)
        cluster_biases = v1.get_variable("cluster_biases", [k], initializer=init)
        cluster_weights2 = v1.get_variable("cluster_weights2", [1, dim, k], initializer=init)
        samples = tf.shape(features)[1] * tf.shape(features)[2]
        flat = tf.nn.l2_normalize(tf.reshape(features, [-1, dim]), axis=1)  # [B*N, D]
        activation = tf.nn.softmax(tf.matmul(flat, cluster_weights) + cluster_biases)
        activation = tf.reshape(activation, [-1, samples, k])  # [B, N, K]
        centres = tf.reduce_sum(activation, -2, keepdims=True) * cluster_weights2  # [B, D, K]
        local = tf.reshape(flat, [-1, samples, dim])
        vlad = tf.transpose(tf.matmul(tf.transpose(activation, [0, 2, 1]), local), [0, 2, 1]) - centres
        vlad = tf.nn.l2_normalize(vlad, axis=1)
        vlad = tf.nn.l2_normalize(tf.reshape(vlad, [-1, dim * k]), axis=1)
        if reduce_dim:
            hidden = v1.get_variable(
                "hidden1_weights", [dim * k, _DESCRIPTOR_DIM],
                initializer=v1.random_normal_initializer(stddev=1.0 / np.sqrt(k)),
            )
            vlad = tf.matmul(vlad, hidden)
    return vlad


def _shared_fc(x, reuse: bool):
    """`cvm_net.cvm_net_I`: `dim_reduction/fc1` shared by both branches, then L2 along dim 1."""
    with v1.variable_scope("dim_reduction", reuse=reuse), v1.variable_scope("fc1"):
        weights = v1.get_variable(
            "weights", [int(x.shape[-1]), _DESCRIPTOR_DIM], initializer=v1.truncated_normal_initializer(stddev=0.005)
        )
        biases = v1.get_variable("biases", [_DESCRIPTOR_DIM], initializer=v1.constant_initializer(0.1))
        return tf.nn.l2_normalize(v1.nn.xw_plus_b(x, weights, biases), axis=1)


def _cvm_net_i(aerial, ground, keep_prob, is_training):
    sat = _vgg16(aerial, "VGG_sat", keep_prob, is_training)
    grd = _vgg16(ground, "VGG_grd", keep_prob, is_training)
    sat = _netvlad(sat, "netvlad_sat", reduce_dim=False, reuse=False)
    grd = _netvlad(grd, "netvlad_grd", reduce_dim=False, reuse=False)
    return _shared_fc(sat, reuse=False), _shared_fc(grd, reuse=True)


def _cvm_net_ii(aerial, ground, keep_prob, is_training):
    sat = _vgg16(aerial, "VGG_sat", keep_prob, is_training)
    grd = _vgg16(ground, "VGG_grd", keep_prob, is_training)
    with v1.variable_scope("transformation_trans"):
        sat = v1.nn.dropout(_conv(sat, "sat_trans_conv1", 1, 512, True), keep_prob=keep_prob)
        grd = v1.nn.dropout(_conv(grd, "grd_trans_conv1", 1, 512, True), keep_prob=keep_prob)
    outputs = []
    for reuse, x in ((False, sat), (True, grd)):
        with v1.variable_scope("transformation_trans_shared", reuse=reuse):
            x = v1.nn.dropout(_conv(x, "trans_conv1", 3, 512, True), keep_prob=keep_prob)
            x = v1.nn.dropout(_conv(x, "trans_conv2", 1, 512, True), keep_prob=keep_prob)
        outputs.append(_netvlad(x, "netvlad", reduce_dim=True, reuse=reuse))
    return outputs[0], outputs[1]


def _soft_margin_loss(aerial_descriptor, ground_descriptor, batch_size: int, alpha: float = 10.0):
    """`cvm_net.compute_loss`: literal log(1 + exp), diagonal included, normalised by the constant B(B-1)."""
    distance = 2.0 - 2.0 * tf.matmul(aerial_descriptor, ground_descriptor, transpose_b=True)
    positive = tf.linalg.diag_part(distance)
    normaliser = float(batch_size * (batch_size - 1))
    ground_to_aerial = tf.reduce_sum(tf.math.log(1.0 + tf.exp(alpha * (positive[tf.newaxis, :] - distance))))
    aerial_to_ground = tf.reduce_sum(tf.math.log(1.0 + tf.exp(alpha * (positive[:, tf.newaxis] - distance))))
    return (ground_to_aerial / normaliser + aerial_to_ground / normaliser) / 2.0


def build_training_graph(
    model: str,
    query_shape: tuple[int, int],
    reference_shape: tuple[int, int],
    batch_size: int,
    seed: int = 0,
) -> Tf1TrainingGraph:
    """The original training graph of `model` ("cvm_net_i" or "cvm_net_ii") in a fresh tf.Graph.

    Variables are reference variables (`use_resource=False`), as TF1 created them.
    """
    networks = {"cvm_net_i": _cvm_net_i, "cvm_net_ii": _cvm_net_ii}
    graph = tf.Graph()
    with graph.as_default(), v1.variable_scope(v1.get_variable_scope(), use_resource=False):
        v1.set_random_seed(seed)
        aerial = v1.placeholder(tf.float32, [None, *reference_shape, 3], name="sat_x")
        ground = v1.placeholder(tf.float32, [None, *query_shape, 3], name="grd_x")
        keep_prob = v1.placeholder(tf.float32)
        learning_rate = v1.placeholder(tf.float32)
        aerial_descriptor, ground_descriptor = networks[model](aerial, ground, keep_prob, is_training=True)
        loss = _soft_margin_loss(aerial_descriptor, ground_descriptor, batch_size)
        global_step = v1.Variable(0, trainable=False, use_resource=False)
        with tf.name_scope("train"):
            train_op = v1.train.AdamOptimizer(learning_rate, 0.9, 0.999).minimize(loss, global_step=global_step)
        init_op = v1.global_variables_initializer()
    return Tf1TrainingGraph(
        graph, ground, aerial, keep_prob, learning_rate, ground_descriptor, aerial_descriptor, loss, train_op, init_op
    )


def keras_weight_for(tf1_name: str) -> tuple[str, str]:
    """(Keras layer name, weight attribute) of cvgeo's CVM-Net weight holding TF1 variable `tf1_name`.

    E.g. `VGG_grd/conv4_1/weights` -> (`vgg_grd_conv4_1`, `kernel`); `netvlad_sat/cluster_weights2`
    -> (`netvlad_sat`, `cluster_weights2`). Used to give both implementations the same weights.
    """
    path = tf1_name.split(":")[0].split("/")
    scope, leaf = "_".join(path[:-1]), path[-1]
    attribute = {"weights": "kernel", "biases": "bias"}.get(leaf, leaf)
    if scope.startswith("VGG_"):
        scope = "vgg_" + scope[len("VGG_"):]
    return scope, attribute
