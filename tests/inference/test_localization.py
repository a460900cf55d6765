"""Index building and localization: the index holds the model's reference descriptors, answers rank them."""

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.inference.index_building import build_index
from cvgeo.inference.localization import format_answers, localize
from cvgeo.inference.localization_index import LocalizationIndex
from cvgeo.models import build
from tests.evaluation.dense_oracles import exact_similarities

SMALL = dict(query_shape=(32, 128), reference_shape=(64, 64))


@pytest.fixture(scope="module")
def model():
    tf.keras.utils.set_random_seed(0)
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
    assert index.model_config == model.get_config() and index.model_config["query_shape"] == [32, 128]
    # The index holds exactly the descriptors the model gives the reference images.
    aerial = np.stack([e["aerial"].numpy() for e in _examples()])
    np.testing.assert_allclose(index.descriptors, model.embed_reference(aerial), atol=1e-5)

    index.save(str(tmp_path / "index.npz"))
    loaded = LocalizationIndex.load(str(tmp_path / "index.npz"))
    np.testing.assert_array_equal(loaded.descriptors, index.descriptors)
    assert loaded.ids.tolist()[2] == "pair2" and loaded.model_config == index.model_config

    queries = np.stack([e["ground"].numpy() for e in _examples()])[:3]
    answers = localize(model, loaded, queries, k=4)
    similarity = exact_similarities(model.embed_query(queries), index.descriptors)
    for row, candidates in enumerate(answers):
        expected = np.argsort(-similarity[row], kind="stable")[:4]
        assert [c["reference"] for c in candidates] == expected.tolist()
        assert candidates[0]["x"] == float(index.xy[expected[0], 0]) and candidates[0]["id"] == f"pair{expected[0]}"
        assert candidates[0]["similarity"] == pytest.approx(similarity[row, expected[0]], abs=1e-5)
    assert "reference" in format_answers(["a.png", "b.png", "c.png"], answers)
