"""Localization: index building, search and the command line's error handling."""

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.localization_index import IndexFileError, LocalizationIndex
from cvgeo.localize import build_index, format_answers, localize, read_query_images
from cvgeo.models import build
from tests.evaluation.dense_oracles import exact_similarities

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = dict(query_shape=(32, 128), reference_shape=(64, 64))


@pytest.fixture(scope="module")
def model():
    keras_seed = 0
    tf.keras.utils.set_random_seed(keras_seed)
    return build("cvm_net_i", **SMALL)


def _examples(count=6):
    rng = np.random.default_rng(0)
    return tf.data.Dataset.from_tensor_slices({
        "aerial": rng.integers(0, 256, (count, 64, 64, 3)).astype(np.uint8),
        "ground": rng.integers(0, 256, (count, 32, 128, 3)).astype(np.uint8),
        "xy": (np.arange(count * 2, dtype=np.float32).reshape(count, 2) * 10),
        "id": np.array([f"pair{i}" for i in range(count)]),
    })


def test_build_index_localize_and_round_trip(model, tmp_path):
    index = build_index(model, _examples(), coordinates="xy", batch_size=4, progress=False)
    assert index.descriptors.shape == (6, 4096) and index.xy.shape == (6, 2)
    assert index.metadata["model"] == "cvm_net_i" and index.metadata["query_shape"] == [32, 128]
    # The index holds exactly the descriptors the model gives the reference images.
    aerial = np.stack([e["aerial"].numpy() for e in _examples()])
    np.testing.assert_allclose(index.descriptors, model.embed_reference(aerial), atol=1e-5)

    index.save(str(tmp_path / "index.npz"))
    loaded = LocalizationIndex.load(str(tmp_path / "index.npz"))
    np.testing.assert_array_equal(loaded.descriptors, index.descriptors)
    assert loaded.ids.tolist()[2] == "pair2" and loaded.metadata == index.metadata

    queries = np.stack([e["ground"].numpy() for e in _examples()])[:3]
    answers = localize(model, loaded, queries, k=4)
    similarity = exact_similarities(model.embed_query(queries), index.descriptors)
    for row, candidates in enumerate(answers):
        expected = np.argsort(-similarity[row], kind="stable")[:4]
        assert [c["reference"] for c in candidates] == expected.tolist()
        assert candidates[0]["x"] == float(index.xy[expected[0], 0]) and candidates[0]["id"] == f"pair{expected[0]}"
        assert candidates[0]["similarity"] == pytest.approx(similarity[row, expected[0]], abs=1e-5)
    assert "reference" in format_answers(["a.png", "b.png", "c.png"], answers)


def test_read_query_images_is_rgb_at_model_size(tmp_path):
    image = np.zeros((40, 160, 3), np.uint8)
    image[..., 2] = 200  # BGR red
    cv2.imwrite(str(tmp_path / "q.png"), image)
    read = read_query_images([str(tmp_path / "q.png")], (32, 128))
    assert read.shape == (1, 32, 128, 3) and read[0, 0, 0].tolist() == [200, 0, 0]


def test_bad_index_files(tmp_path):
    with pytest.raises(IndexFileError, match="does not exist"):
        LocalizationIndex.load(str(tmp_path / "none.npz"))
    np.savez(tmp_path / "bad.npz", descriptors=np.ones((2, 3)))
    with pytest.raises(IndexFileError, match="lacks"):
        LocalizationIndex.load(str(tmp_path / "bad.npz"))


def _localize_cli(*args):
    return subprocess.run([sys.executable, "-m", "cvgeo.localize", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=120)


@pytest.mark.parametrize("flags,message", [
    ([], "--index"),
    (["--index={missing}", "img.png"], "does not exist"),
    (["--index={index}", "{missing_image}"], "cannot read image"),
    (["build-index"], "--output"),
])
def test_cli_errors_are_clear(tmp_path, flags, message):
    LocalizationIndex(np.ones((2, 4), np.float32), metadata={"model": "cvm_net_i", "query_shape": [32, 128]}).save(
        str(tmp_path / "i.npz"))
    names = {"missing": tmp_path / "none.npz", "index": tmp_path / "i.npz", "missing_image": tmp_path / "no.png"}
    done = _localize_cli(*[f.format(**names) for f in flags])
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
