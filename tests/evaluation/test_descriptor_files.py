import numpy as np
import pytest
import scipy.io

from cvgeo.evaluation import Descriptors, EvaluationError, read_descriptors, write_descriptors


def test_npz_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    d = Descriptors(query=rng.random((4, 3)), reference=rng.random((5, 3)), reference_xy=rng.random((5, 2)),
                    positive=np.array([0, 1, 2, 4]), query_ids=np.array(["a", "b", "c", "d"]))
    write_descriptors(tmp_path / "d.npz", d)
    back = read_descriptors(tmp_path / "d.npz")
    np.testing.assert_array_equal(back.query, d.query)
    np.testing.assert_array_equal(back.reference_xy, d.reference_xy)
    assert back.positive.tolist() == [0, 1, 2, 4] and back.query_ids.tolist() == ["a", "b", "c", "d"]
    assert back.query.dtype == np.float32 and back.query_xy is None
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]  # no temporary left behind


def test_oricnn_mat(tmp_path):
    scipy.io.savemat(tmp_path / "d.mat", {"grd_global_descriptor": np.ones((3, 4)), "sat_global_descriptor": np.zeros((5, 4))})
    d = read_descriptors(str(tmp_path / "d.mat"))
    assert d.query.shape == (3, 4) and d.reference.shape == (5, 4)


@pytest.mark.parametrize(
    "arrays,message",
    [
        ({"query": np.ones((2, 3))}, r"lacks the key\(s\) 'reference'"),
        ({"query": np.ones((2, 3)), "reference": np.ones((2, 4))}, "3 dimensions but reference"),
        ({"query": np.ones((2, 3)), "reference": np.ones(3)}, "'reference' must be a non-empty"),
        ({"query": np.ones((2, 3)), "reference": np.ones((2, 3)), "query_xy": np.ones((3, 2))}, r"'query_xy' must have shape \[Q, 2\] = \[2, 2\]"),
        ({"query": np.ones((2, 3)), "reference": np.ones((2, 3)), "positive": np.array([0, 5])}, "outside"),
        ({"query": np.ones((2, 3)), "reference": np.ones((2, 3)), "color": np.ones(2)}, "unknown key"),
        ({"query": np.full((2, 3), np.nan), "reference": np.ones((2, 3))}, "NaN"),
    ],
)
def test_npz_errors_name_file_and_key(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(EvaluationError, match=message) as error:
        read_descriptors(path)
    assert str(path) in str(error.value)


def test_other_file_errors(tmp_path):
    with pytest.raises(EvaluationError, match="does not exist"):
        read_descriptors(tmp_path / "missing.npz")
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(EvaluationError, match=".npz or .mat"):
        read_descriptors(tmp_path / "d.txt")
    (tmp_path / "broken.npz").write_text("not a zip")
    with pytest.raises(EvaluationError, match="not a readable .npz"):
        read_descriptors(tmp_path / "broken.npz")
    scipy.io.savemat(tmp_path / "d.mat", {"grd_global_descriptor": np.ones((3, 4))})
    with pytest.raises(EvaluationError, match="sat_global_descriptor"):
        read_descriptors(tmp_path / "d.mat")
