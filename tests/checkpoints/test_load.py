"""`cvgeo.checkpoints.load`: path forms, the strict mismatch report, cvgeo's own formats."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import original_variables
from tf1_writer import write_tf1_checkpoint

from cvgeo.checkpoints import CheckpointMismatchError, CheckpointPathError, load, save_weights
from cvgeo.checkpoints.bookkeeping import is_bookkeeping
from cvgeo.models import build

SHAPE = (32, 32)


def small_crosslocate(**options):
    return build("crosslocate", query_shape=SHAPE, reference_shape=SHAPE, **options)


@pytest.fixture(scope="module")
def crosslocate_checkpoint(tmp_path_factory):
    table = original_variables.crosslocate()
    weights = original_variables.random_weights(table, seed=3)
    prefix = str(tmp_path_factory.mktemp("crosslocate") / "CrossLocate-model-39")
    write_tf1_checkpoint(prefix, table, weights, adam_scope=None)
    return prefix, weights


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (2, *SHAPE, 3)).astype(np.uint8)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("VGG_grd/conv4_1/weights/Adam", True),
        ("netvlad_grd/cluster_weights/Adam_1", True),
        ("train/beta1_power", True),
        ("train/beta2_power", True),
        ("beta1_power", True),
        ("beta2_power_1", True),
        ("Variable", True),
        ("VGG_grd/conv4_1/weights", False),
        ("spatial_grd/weights1", False),
        ("conv1_1/kernels", False),
        ("sat_rgboriencoder_2/batch_normalization/moving_variance", False),
        ("Adamant/weights", False),
    ],
)
def test_bookkeeping_rules(name, expected):
    assert is_bookkeeping(name) is expected


@pytest.mark.parametrize("form", ["prefix", "index_file", "folder"])
def test_tf1_path_forms_load_the_same_weights(form, crosslocate_checkpoint, images):
    prefix, weights = crosslocate_checkpoint
    path = {"prefix": prefix, "index_file": prefix + ".index", "folder": os.path.dirname(prefix)}[form]
    model = small_crosslocate()
    report = load(model, path)
    assert report.source == prefix and report.variables_loaded == 26
    np.testing.assert_array_equal(model.get_layer("crosslocate_network").get_layer("vgg_conv5_3").kernel.numpy(), weights["conv13/kernels"])


def test_folder_whose_checkpoint_file_names_a_moved_path(tmp_path, crosslocate_checkpoint):
    prefix, _ = crosslocate_checkpoint
    folder = tmp_path / "moved"
    folder.mkdir()
    for suffix in (".index", ".data-00000-of-00001"):
        os.symlink(prefix + suffix, folder / f"model.ckpt{suffix}")
    # As a TF1 Saver writes it on the authors' machine.
    (folder / "checkpoint").write_text('model_checkpoint_path: "../Model/CVM-NET-I/1/model.ckpt"\n')
    assert load(small_crosslocate(), str(folder)).source == str(folder / "model.ckpt")


def test_bad_paths_raise_path_errors(tmp_path):
    model = small_crosslocate()
    with pytest.raises(CheckpointPathError, match="no checkpoint at"):
        load(model, tmp_path / "nothing" / "model.ckpt")
    with pytest.raises(CheckpointPathError, match="holds no `checkpoint` file"):
        load(model, tmp_path)
    with pytest.raises(CheckpointPathError, match="no weights file"):
        load(model, tmp_path / "absent.weights.h5")


def test_mismatch_names_every_missing_unexpected_and_mis_shaped_variable(tmp_path, images):
    table = original_variables.crosslocate()
    del table["conv13/kernels"], table["conv12/biases"]
    table["conv14/kernels"] = ((3, 3, 512, 512), True)
    table["conv1/biases"] = ((32,), True)
    prefix = str(tmp_path / "wrong")
    write_tf1_checkpoint(prefix, table, original_variables.random_weights(table, seed=1), adam_scope=None)
    model = small_crosslocate()
    before = model.embed_query(images)
    with pytest.raises(CheckpointMismatchError) as caught:
        load(model, prefix)
    error = caught.value
    assert error.missing == ["conv12/biases", "conv13/kernels"]
    assert error.unexpected == ["conv14/kernels"]
    assert error.mis_shaped == [("conv1/biases", (32,), (64,))]
    for name in ("conv12/biases", "conv13/kernels", "conv14/kernels", "conv1/biases"):
        assert name in str(error)
    assert "conv14/kernels/Adam" not in str(error)  # bookkeeping is never reported
    np.testing.assert_array_equal(model.embed_query(images), before)  # nothing was loaded


def test_two_branch_checkpoint_into_one_branch_model_is_a_mismatch(tmp_path):
    table = original_variables.crosslocate(two_branch=True)
    prefix = str(tmp_path / "two")
    write_tf1_checkpoint(prefix, table, original_variables.random_weights(table, seed=2), adam_scope=None)
    with pytest.raises(CheckpointMismatchError) as caught:
        load(small_crosslocate(), prefix)
    assert len(caught.value.unexpected) == 26 and not caught.value.missing


def test_model_without_original_counterpart_is_refused(crosslocate_checkpoint):
    model = build("cvm_net_i", query_shape=SHAPE, reference_shape=SHAPE, num_clusters=2, batch_norm=True)
    with pytest.raises(CheckpointMismatchError, match="vgg_grd_conv1_1_bn/gamma"):
        load(model, crosslocate_checkpoint[0])


def test_trainer_checkpoint_restores_only_the_model(tmp_path, crosslocate_checkpoint, images):
    trained = small_crosslocate()
    load(trained, crosslocate_checkpoint[0])
    optimizer = keras.optimizers.Adam(1e-5)
    optimizer.build(trained.trainable_variables)
    checkpoint = tf.train.Checkpoint(model=trained, optimizer=optimizer, step=tf.Variable(3, dtype=tf.int64))
    path = tf.train.CheckpointManager(checkpoint, str(tmp_path / "checkpoints"), max_to_keep=3).save()
    assert path.endswith("ckpt-1")

    for source in (path, str(tmp_path / "checkpoints")):
        fresh = small_crosslocate()
        report = load(fresh, source)
        assert report.format == "tf2" and report.source == path
        np.testing.assert_array_equal(fresh.embed_query(images), trained.embed_query(images))

    other = build("safa", query_shape=(48, 128), reference_shape=(48, 128))
    before = [v.numpy() for v in other.weights]
    with pytest.raises(CheckpointMismatchError, match="ckpt-1"):
        load(other, path)
    for variable, value in zip(other.weights, before):
        np.testing.assert_array_equal(variable.numpy(), value)


# Keras warns about the containers it cannot match while the mismatched load fails.
@pytest.mark.filterwarnings("ignore:Skipping nested container")
def test_weights_h5_round_trip_and_mismatch(tmp_path, crosslocate_checkpoint, images):
    model = small_crosslocate()
    load(model, crosslocate_checkpoint[0])
    path = save_weights(model, tmp_path / "out" / "crosslocate.weights.h5")
    assert os.listdir(tmp_path / "out") == ["crosslocate.weights.h5"]  # no temp file left behind
    fresh = small_crosslocate()
    assert load(fresh, path).format == "keras"
    np.testing.assert_array_equal(fresh.embed_query(images), model.embed_query(images))
    with pytest.raises(CheckpointMismatchError):
        load(small_crosslocate(two_branch=True), path)
    with pytest.raises(ValueError, match=".weights.h5"):
        save_weights(model, tmp_path / "crosslocate.h5")
