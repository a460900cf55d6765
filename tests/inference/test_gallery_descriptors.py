"""Model-mode evaluation of datasets with a gallery: VIGOR and CrossLocate on their builders' dummy data.

A two-branch CrossLocate at tiny input sizes describes the queries and the whole gallery; the checks
are independent of the code under test: the query rows equal the network on cv2-resized images, and
the gallery row a query's `positive_index` names is the descriptor of the query's own positive tile.
"""

import json
import os
import subprocess
import sys

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from cvgeo.data import DatasetError, dataset_spec, load_gallery, load_split
from cvgeo.data.pair_inputs import PairInputOptions, reference_input
from cvgeo.evaluation import evaluate_descriptors
from cvgeo.inference.gallery_descriptors import describe_query_and_gallery
from cvgeo.inference.split_descriptors import describe_split
from cvgeo.models import build

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DUMMY = {name: os.path.join(REPO, "tfds_builders", name, "dummy_data") for name in ("vigor", "crosslocate")}
# dataset -> (query input shape, reference input shape), no larger than the dummy images
# (VIGOR panoramas 16x32 and tiles 24x24, CrossLocate views 16x16).
SHAPES = {
    "vigor_same_area": ((16, 32), (16, 16)),
    "crosslocate_sparse_segments": ((16, 16), (16, 16)),
    "synthetic_crossview_crosslocate_tiny": ((16, 16), (16, 16)),
}


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _network(dataset: str):
    keras.utils.set_random_seed(5)
    query_shape, reference_shape = SHAPES[dataset]
    return build("crosslocate", query_shape=query_shape, reference_shape=reference_shape, two_branch=True)


def _data_dir(dataset: str) -> str | None:
    return DUMMY.get(dataset.split("_")[0])  # None: generated


def _area(image: np.ndarray, shape) -> np.ndarray:
    return cv2.resize(image, shape[::-1], interpolation=cv2.INTER_AREA).astype(np.float32)


@pytest.mark.parametrize("dataset", list(SHAPES))
def test_queries_and_whole_gallery_are_described_with_their_metadata(dataset, tfds_dir):
    network = _network(dataset)
    queries = load_split(dataset, "test", data_dir=_data_dir(dataset), tfds_dir=tfds_dir)
    gallery = load_gallery(dataset, "test", data_dir=_data_dir(dataset), tfds_dir=tfds_dir)
    options = PairInputOptions(network.query_shape, network.reference_shape)
    descriptors = describe_query_and_gallery(network, queries, gallery, options=options, batch_size=3, progress=False)

    query_examples, gallery_examples = list(tfds.as_numpy(queries)), list(tfds.as_numpy(gallery))
    assert descriptors.num_queries == len(query_examples) and descriptors.num_references == len(gallery_examples)
    expected_query = network.embed_query(np.stack([_area(e["ground"], network.query_shape) for e in query_examples]))
    np.testing.assert_allclose(descriptors.query, expected_query, atol=1e-5)
    np.testing.assert_array_equal(descriptors.query_latlon, np.stack([e["latlon"] for e in query_examples]))
    np.testing.assert_array_equal(descriptors.reference_latlon, np.stack([e["latlon"] for e in gallery_examples]))
    np.testing.assert_array_equal(descriptors.reference_ids, [e["id"].decode() for e in gallery_examples])
    assert descriptors.query_xy is None  # positions are lat/lon: the protocols' geodesic default
    if dataset.startswith("vigor"):
        positive = np.array([e["positive_index"] for e in query_examples])
        np.testing.assert_array_equal(descriptors.positive, positive)
        np.testing.assert_array_equal(descriptors.semi_positives, [e["semi_positive_indices"] for e in query_examples])
        np.testing.assert_array_equal(descriptors.reference_ids[positive], [e["aerial_id"].decode() for e in query_examples])
        own_tiles = np.stack([_area(e["aerial"], network.reference_shape) for e in query_examples])
        np.testing.assert_allclose(descriptors.reference[positive], network.embed_reference(own_tiles), atol=1e-5)
    else:
        np.testing.assert_array_equal(descriptors.query_yaw, [e["yaw"] for e in query_examples])
        views = np.stack([_area(e["aerial"], network.reference_shape) for e in gallery_examples])
        np.testing.assert_allclose(descriptors.reference, network.embed_reference(views), atol=1e-5)
    result = evaluate_descriptors(descriptors, dataset_spec(dataset).protocol)
    assert result.metrics["num_queries"] == len(query_examples)


def test_depth_views_are_repeated_to_three_channels_and_not_rounded(tfds_dir):
    """CrossLocate feeds raw depth metres in all three channels (TensorAssembler)."""
    gallery = load_gallery("crosslocate_sparse_original_to_depth", "test", data_dir=DUMMY["crosslocate"], tfds_dir=tfds_dir)
    depth = next(iter(tfds.as_numpy(gallery)))["aerial"]
    assert depth.dtype == np.float32 and depth.shape[-1] == 1
    shape = (depth.shape[0] // 2, depth.shape[1] // 2 + 1)  # a non-integer factor across the width
    prepared = reference_input({"aerial": tf.constant(depth)}, PairInputOptions(shape, shape)).numpy()
    expected = cv2.resize(depth[..., 0], shape[::-1], interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(prepared, np.repeat(expected[..., None], 3, -1), rtol=1e-6)
    assert not np.allclose(prepared, np.round(prepared))


def test_gallery_of_a_paired_dataset_and_of_an_unknown_split_are_clear_errors(tfds_dir):
    with pytest.raises(DatasetError, match="has no gallery"):
        load_gallery("synthetic_crossview", "test")
    with pytest.raises(DatasetError, match="no gallery for split 'val'"):
        load_gallery("vigor_same_area", "val", data_dir=DUMMY["vigor"], tfds_dir=tfds_dir)


def _run_folder(root, dataset: str, tfds_dir: str) -> str:
    """A training run of the tiny network as train.py writes it: config.json and a checkpoint."""
    network = _network(dataset)
    query_shape, reference_shape = SHAPES[dataset]
    run = root / "run"
    tf.train.CheckpointManager(tf.train.Checkpoint(model=network), str(run / "checkpoints"), max_to_keep=1).save()
    options = {"query_shape": list(query_shape), "reference_shape": list(reference_shape), "two_branch": True}
    (run / "config.json").write_text(json.dumps({
        "model": "crosslocate", "model_options": options, "dataset": dataset, "data_dir": _data_dir(dataset),
        "tfds_dir": tfds_dir,
    }))
    return str(run)


def test_run_on_a_gallery_dataset_describes_its_gallery(tmp_path, tfds_dir):
    run = _run_folder(tmp_path, "crosslocate_sparse_segments", tfds_dir)
    descriptors, spec = describe_split(run_dir=run, max_pairs=2)
    assert spec.protocol == "crosslocate" and descriptors.num_queries == 2
    gallery = load_gallery("crosslocate_sparse_segments", "test", data_dir=DUMMY["crosslocate"], tfds_dir=tfds_dir)
    assert descriptors.num_references == len(list(gallery))


def test_evaluate_cli_runs_the_vigor_protocol_on_a_vigor_run(tmp_path, tfds_dir):
    run = _run_folder(tmp_path, "vigor_same_area", tfds_dir)
    done = subprocess.run(
        [sys.executable, os.path.join(REPO, "evaluate.py"), f"--run_dir={run}"], capture_output=True, text=True,
        cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["protocol"] == "vigor" and metrics["num_queries"] == 8 and metrics["num_references"] == 24
    assert {"hit_rate", "recall@1", "median_error_m", "meter_accuracy@10m"} <= set(metrics)
