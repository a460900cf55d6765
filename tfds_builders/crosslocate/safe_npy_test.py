"""The safe meta loader returns plain data and refuses (without running) anything else."""

import os
import pickle

import numpy as np
import pytest

from tfds_builders.crosslocate.safe_npy import UnsafeMetaError, load_meta
from tfds_builders.manual_layout import ManualLayoutError


class _Payload:
    """Pickles to a call of os.mkdir(marker): what a hostile meta file could do with any function."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _save(path, value, protocol=None):
    if protocol is None:
        np.save(path, value, allow_pickle=True)
        return
    array = np.empty((), dtype=object)
    array[()] = value
    with open(path, "wb") as handle:  # as numpy < 1.17 wrote it: header, then a protocol-2 pickle
        np.lib.format.write_array_header_1_0(handle, {"descr": "|O", "fortran_order": False, "shape": ()})
        pickle.dump(array, handle, protocol=protocol)


def _equal(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _equal(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert all(x == y for x, y in zip(a.ravel(), b.ravel())) if a.dtype == object else np.array_equal(a, b)
    else:
        assert a == b


META = {
    "dbImageFns": ["CH_tile_1_2/a_segments.png", "b_segments.png"],
    "dbWGS": np.array([[46.5, 8.0], [46.6, 8.1]]),
    "dbIDs": [3, "x7"],
    "dbElevations": [np.float64(1203.5), np.float32(7.25)],
    "qImageFns": np.array(["q1.jpg"], dtype=object),
    "qUTM": (np.int64(4), 2.5),
    "qCameraParams": [np.array([0.1, 0.2, 0.0, 1.0], np.float32)],
    "flags": [True, None, 1e300, -3],
    "names": np.array(["ab", "c"]),
}


@pytest.mark.parametrize("protocol", [None, 2])
def test_plain_meta_loads_like_numpy(tmp_path, protocol):
    path = str(tmp_path / "meta_train.npy")
    _save(path, META, protocol)
    _equal(load_meta(path), np.load(path, allow_pickle=True).item())
    _equal(load_meta(path), META)


@pytest.mark.parametrize("where", ["top", "nested"])
def test_code_in_a_meta_file_is_refused_and_never_runs(tmp_path, where):
    marker = str(tmp_path / "payload_ran")
    value = dict(META, dbIDs=[1, _Payload(marker)]) if where == "nested" else dict(META, evil=_Payload(marker))
    path = str(tmp_path / "Alps_photos_to_segments_train.npy")
    _save(path, value)
    # The file is live: numpy's own loader with allow_pickle=True runs the payload.
    np.load(path, allow_pickle=True)
    assert os.path.isdir(marker)
    os.rmdir(marker)
    with pytest.raises(UnsafeMetaError) as error:
        load_meta(path)
    assert not os.path.exists(marker)
    message = str(error.value)
    assert path in message and f"{os.mkdir.__module__}.mkdir" in message
    assert "Nothing from the file was executed" in message
    assert isinstance(error.value, ManualLayoutError)


def test_other_containers_and_non_dicts_are_refused(tmp_path):
    path = str(tmp_path / "set.npy")
    _save(path, dict(META, ids={1, 2}))  # protocol 3 has no set opcode: set is a global
    with pytest.raises(UnsafeMetaError, match=r"builtins.set"):
        load_meta(path)
    # Protocol 4 builds sets without naming a global, so the walk over the result must catch them,
    # also deep inside rows and object arrays.
    for value, where in (
        ({"ids": {1, 2}}, r"meta\['ids'\]"),
        ({"dbWGS": [[46.5, 8.0], [46.6, frozenset([8.1])]]}, r"meta\['dbWGS'\]\[1\]\[1\]"),
        ({"qImageFns": np.array(["a.png", {3}], dtype=object)}, r"meta\['qImageFns'\].flat\[1\]"),
    ):
        path = str(tmp_path / "set4.npy")
        array = np.empty((), dtype=object)
        array[()] = value
        with open(path, "wb") as handle:
            np.lib.format.write_array_header_1_0(handle, {"descr": "|O", "fortran_order": False, "shape": ()})
            pickle.dump(array, handle, protocol=4)
        with pytest.raises(UnsafeMetaError, match=r"builtins.(frozen)?set at " + where):
            load_meta(path)
    path = str(tmp_path / "list.npy")
    np.save(path, np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(UnsafeMetaError, match="expected a pickled dict"):
        load_meta(path)
    path = str(tmp_path / "plain.npy")
    np.save(path, np.zeros(3))
    with pytest.raises(UnsafeMetaError, match="found a plain float64 array"):
        load_meta(path)
    path = str(tmp_path / "text.npy")
    with open(path, "w") as handle:
        handle.write("not numpy")
    with pytest.raises(UnsafeMetaError, match="not a .npy file"):
        load_meta(path)
    with pytest.raises(UnsafeMetaError, match="cannot read meta file"):
        load_meta(str(tmp_path / "absent.npy"))


def test_codecs_encode_only_for_latin1(tmp_path):
    class Sneaky:
        def __reduce__(self):
            import _codecs
            return (_codecs.encode, ("abc", "rot13"))

    path = str(tmp_path / "codec.npy")
    np.save(path, {"x": Sneaky()}, allow_pickle=True)
    with pytest.raises(UnsafeMetaError, match="rot13"):
        load_meta(path)
