"""Original TF1 checkpoints (seeded weights, Adam slots, beta powers, global step) load into cvgeo
models and give the descriptors of an independent numpy forward pass of the original graph."""

import os

import numpy as np
import pytest
import tensorflow as tf

import original_forward
import original_variables
from tf1_writer import write_tf1_checkpoint

from cvgeo.checkpoints import load
from cvgeo.models import build

MAX_ABS = 2e-4
MIN_COSINE = 0.9999

# name -> (builder options, spec variable table, numpy forward, query shape, reference shape, Adam scope)
CASES = {
    "cvm_net_i": (
        dict(num_clusters=8), original_variables.cvm_net_i(k=8), original_forward.cvm_net_i, (32, 64), (32, 32), "train",
    ),
    "cvm_net_ii": (
        dict(num_clusters=8), original_variables.cvm_net_ii(k=8), original_forward.cvm_net_ii, (32, 64), (32, 32), "train",
    ),
    # 7 stride-2 layers: 136x272 -> e7 2x3, 136x136 -> 2x2 (sides must stay > 1).
    "ori_cnn": ({}, original_variables.ori_cnn(), original_forward.ori_cnn, (136, 272), (136, 136), "train"),
    # 48x128 -> 3x8 after 4 pools (odd side: SAME pads) -> 2x4 after the extra pool: 8 positions.
    "safa": ({}, original_variables.safa(positions=8), original_forward.safa, (48, 128), (48, 128), "train"),
    # CrossLocate minimises outside any name scope: bare beta1_power / beta2_power.
    "crosslocate": ({}, original_variables.crosslocate(), original_forward.crosslocate, (32, 48), (40, 40), None),
    "crosslocate_two_branch": (
        dict(two_branch=True), original_variables.crosslocate(two_branch=True),
        lambda w, q, r: original_forward.crosslocate(w, q, r, two_branch=True), (32, 48), (40, 40), None,
    ),
}  # fmt: skip


def assert_descriptors_match(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    assert np.all(np.isfinite(actual))
    max_abs = np.max(np.abs(actual - expected))
    cosine = np.sum(actual * expected, axis=1) / (np.linalg.norm(actual, axis=1) * np.linalg.norm(expected, axis=1))
    assert max_abs <= MAX_ABS, f"max abs difference {max_abs}"
    assert cosine.min() >= MIN_COSINE, f"cosine {cosine.min()}"


@pytest.fixture(scope="module", params=list(CASES))
def loaded_case(request, tmp_path_factory):
    name = request.param
    options, table, forward, query_shape, reference_shape, adam_scope = CASES[name]
    seed = sorted(CASES).index(name)
    weights = original_variables.random_weights(table, seed=seed)
    prefix = os.path.join(tmp_path_factory.mktemp(name), "model.ckpt")
    saved = write_tf1_checkpoint(prefix, table, weights, adam_scope=adam_scope)
    model = build(name.removesuffix("_two_branch"), query_shape=query_shape, reference_shape=reference_shape, **options)
    report = load(model, prefix)
    rng = np.random.default_rng(100 + seed)
    query = rng.integers(0, 256, (3, *query_shape, 3)).astype(np.uint8)
    reference = rng.integers(0, 256, (3, *reference_shape, 3)).astype(np.uint8)
    return dict(
        name=name, model=model, report=report, weights=weights, saved=saved, table=table, forward=forward,
        query=query, reference=reference, adam_scope=adam_scope, prefix=prefix,
    )  # fmt: skip


def test_descriptors_match_original_graph(loaded_case):
    case = loaded_case
    expected_query, expected_reference = case["forward"](case["weights"], case["query"], case["reference"])
    assert_descriptors_match(case["model"].embed_query(case["query"]), expected_query)
    assert_descriptors_match(case["model"].embed_reference(case["reference"]), expected_reference)


def test_checkpoint_holds_training_bookkeeping_and_only_model_tensors_are_read(loaded_case):
    case = loaded_case
    beta = "train/beta1_power" if case["adam_scope"] else "beta1_power"
    assert "Variable" in case["saved"] and beta in case["saved"]
    slots = [n for n in case["saved"] if n.endswith("/Adam") or n.endswith("/Adam_1")]
    assert len(slots) == 2 * sum(trainable for _, trainable in case["table"].values())
    report = case["report"]
    assert report.format == "tf1"
    assert sorted(report.tensors_read) == sorted(case["table"])  # each model tensor once, nothing else
    assert set(report.ignored) == set(case["saved"]) - set(case["table"])


def test_training_checkpoint_loads_without_reading_optimizer_slots(loaded_case, monkeypatch):
    """Counts the tensors actually pulled from the file, independently of `LoadReport`."""
    case = loaded_case
    if case["name"] == "cvm_net_i":
        assert len(case["saved"]) == 127  # spec A.6: 60 model variables, 64 Adam slots, 2 beta powers, step
    read = []
    real_load_checkpoint = tf.train.load_checkpoint

    class CountingReader:
        def __init__(self, path):
            self._reader = real_load_checkpoint(path)

        def get_variable_to_shape_map(self):
            return self._reader.get_variable_to_shape_map()

        def get_tensor(self, name):
            read.append(name)
            return self._reader.get_tensor(name)

    monkeypatch.setattr(tf.train, "load_checkpoint", CountingReader)
    load(case["model"], case["prefix"])
    assert sorted(read) == sorted(case["table"])
    assert not [n for n in read if "Adam" in n or "power" in n or n == "Variable"]


# Native input sizes and full-size variables (CVM-Net: K = 64, a ~1.9 GB training checkpoint).
NATIVE = {
    "cvm_net_i": (original_variables.cvm_net_i(), original_forward.cvm_net_i, (224, 1232), (512, 512), "train"),
    "cvm_net_ii": (original_variables.cvm_net_ii(), original_forward.cvm_net_ii, (224, 1232), (512, 512), "train"),
    "ori_cnn": (original_variables.ori_cnn(), original_forward.ori_cnn, (224, 1232), (512, 512), "train"),
    "safa": (original_variables.safa(positions=80), original_forward.safa, (112, 616), (112, 616), "train"),
    "crosslocate": (original_variables.crosslocate(), original_forward.crosslocate, (224, 224), (224, 224), None),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NATIVE))
def test_native_size_parity(name, tmp_path):
    table, forward, query_shape, reference_shape, adam_scope = NATIVE[name]
    weights = original_variables.random_weights(table, seed=21)
    prefix = str(tmp_path / "model.ckpt")
    write_tf1_checkpoint(prefix, table, weights, adam_scope=adam_scope)
    model = build(name)
    assert (model.query_shape, model.reference_shape) == (query_shape, reference_shape)
    report = load(model, prefix)
    assert sorted(report.tensors_read) == sorted(table)
    rng = np.random.default_rng(22)
    query = rng.integers(0, 256, (2, *query_shape, 3)).astype(np.uint8)
    reference = rng.integers(0, 256, (2, *reference_shape, 3)).astype(np.uint8)
    if name == "ori_cnn":  # batch statistics: the pair is one batch in both implementations
        expected = forward(weights, query, reference)
    else:  # one image at a time keeps the numpy im2col buffers small
        pairs = [forward(weights, query[i : i + 1], reference[i : i + 1]) for i in range(2)]
        expected = [np.concatenate([p[branch] for p in pairs]) for branch in (0, 1)]
    assert_descriptors_match(model.embed_query(query), expected[0])
    assert_descriptors_match(model.embed_reference(reference), expected[1])


def test_vigor_safa_checkpoint_with_lower_case_scopes(tmp_path):
    """VIGOR's SAFA baseline saves `vgg_grd/...` / `vgg_sat/...` (spec 4.4) and pools channels by max."""
    table = original_variables.safa(positions=8)
    weights = original_variables.random_weights(table, seed=11)
    renamed = {name.replace("VGG_", "vgg_", 1): value for name, value in weights.items()}
    prefix = str(tmp_path / "model.ckpt")
    write_tf1_checkpoint(prefix, {name.replace("VGG_", "vgg_", 1): spec for name, spec in table.items()}, renamed,
                         adam_scope="train")
    model = build("safa", query_shape=(48, 128), reference_shape=(48, 128), sa_pool="max")
    report = load(model, prefix)
    assert report.variables_loaded == len(table)
    rng = np.random.default_rng(5)
    query = rng.integers(0, 256, (3, 48, 128, 3)).astype(np.uint8)
    polar = rng.integers(0, 256, (3, 48, 128, 3)).astype(np.uint8)
    expected = original_forward.safa(weights, query, polar, pool="max")
    assert_descriptors_match(model.embed_query(query), expected[0])
    assert_descriptors_match(model.embed_reference(polar), expected[1])
