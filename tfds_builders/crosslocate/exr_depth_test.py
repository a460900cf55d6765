"""The EXR depth reader against a file written by OpenEXR and against spec-following writers."""

import os
import sysconfig

import cv2
import numpy as np
import pytest

from tfds_builders.crosslocate.dummy_data_generation import write_exr
from tfds_builders.crosslocate.exr_depth import _decode, read_depth
from tfds_builders.manual_layout import ManualLayoutError


def test_reads_a_file_from_another_writer():
    # CPython's test suite ships the same 16x16 image as python.exr (HALF RGBA, written by OpenEXR
    # tools) and python.png: the EXR's linear values x 255 must equal the PNG within half precision.
    folder = os.path.join(sysconfig.get_paths()["stdlib"], "test", "imghdrdata")
    if not os.path.exists(os.path.join(folder, "python.exr")):
        pytest.skip("this Python installation lacks its test data")
    with open(os.path.join(folder, "python.exr"), "rb") as handle:
        planes, compression = _decode(handle.read())
    png = cv2.imread(os.path.join(folder, "python.png"), cv2.IMREAD_UNCHANGED)
    exr = np.stack([planes[c] for c in "BGRA"], axis=-1).astype(np.float32) * 255
    assert compression == "NONE" and exr.shape == png.shape
    np.testing.assert_allclose(exr, png, atol=0.07)


@pytest.mark.parametrize("compression", ["NONE", "RLE", "ZIPS", "ZIP"])
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (17, 9), (40, 33)])
def test_round_trip(tmp_path, compression, shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    path = str(tmp_path / "depth.exr")
    for depth in (rng.uniform(0, 1e4, shape), np.full(shape, 7.5), np.round(rng.uniform(0, 3, shape))):
        write_exr(path, depth.astype(np.float32), compression)
        np.testing.assert_array_equal(read_depth(path), depth.astype(np.float32))


def test_picks_the_depth_channel_and_reports_bad_files(tmp_path):
    path = str(tmp_path / "z.exr")
    write_exr(path, np.arange(6, dtype=np.float32).reshape(2, 3), "ZIP", channel="Z")
    np.testing.assert_array_equal(read_depth(path), np.arange(6).reshape(2, 3))
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(data[: len(data) - 5])
    with pytest.raises(ManualLayoutError, match="cannot read depth map .*z.exr"):
        read_depth(path)
    png = str(tmp_path / "not_exr.exr")
    cv2.imwrite(str(tmp_path / "x.png"), np.zeros((2, 2), np.uint8))
    os.rename(str(tmp_path / "x.png"), png)
    with pytest.raises(ManualLayoutError, match="not an OpenEXR file"):
        read_depth(png)


def test_unsupported_compression_names_it(tmp_path):
    path = str(tmp_path / "piz.exr")
    write_exr(path, np.ones((2, 2), np.float32), "NONE")
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    at = data.index(b"compression\0compression\0") + len("compression\0compression\0") + 4
    data[at] = 4  # PIZ
    with open(path, "wb") as handle:
        handle.write(bytes(data))
    if cv2.haveImageReader(path):
        pytest.skip("this OpenCV reads EXR itself")
    with pytest.raises(ManualLayoutError, match="EXR compression PIZ is not supported"):
        read_depth(path)
