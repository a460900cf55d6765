import os
import shutil

import cv2
import h5py
import numpy as np
import pytest
import scipy.io
import tensorflow_datasets as tfds

import tfds_builders  # noqa: F401  (registers the builders)
from cvgeo.geometry.polar_transform import polar_transform
from tfds_builders.cvact import cvact_dataset_builder
from tfds_builders.cvact.act_data import read_act_data
from tfds_builders.manual_layout import ManualLayoutError

DUMMY = os.path.join(os.path.dirname(cvact_dataset_builder.__file__), "dummy_data")


@pytest.fixture
def manual(tmp_path):
    folder = tmp_path / "CVACT"
    shutil.copytree(DUMMY, folder)
    return folder


def _build(manual, tmp_path, config="raw", **kwargs):
    builder = tfds.builder(f"cvact/{config}", data_dir=str(tmp_path / "tfds"), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    return builder


def _rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("config,folder,split_key", [("raw", "ANU_data_small", "valSet"), ("test", "ANU_data_test", "valSetAll")])
def test_pixels_utm_ids_equal_the_files(manual, tmp_path, config, folder, split_key):
    mat = scipy.io.loadmat(manual / "ACT_data.mat")
    builder = _build(manual, tmp_path, config)
    splits = {"raw": {"train": "trainSet", "val": "valSet"}, "test": {"test": "valSetAll"}}[config]
    for split, struct in splits.items():
        field = "trainInd" if struct == "trainSet" else "valInd"
        indices = mat[struct][field][0][0][:, 0].astype(int) - 1
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == len(indices)
        for example, index in zip(examples, indices):
            pano_id = str(mat["panoIds"][index]).strip()
            assert example["id"].decode() == pano_id
            np.testing.assert_array_equal(example["utm"], mat["utm"][index])
            pano = _rgb(manual / folder / "streetview" / f"{pano_id}_grdView.jpg")
            np.testing.assert_array_equal(example["ground"], pano[208:624])
            np.testing.assert_array_equal(example["aerial"], _rgb(manual / folder / "satview_polish" / f"{pano_id}_satView_polish.jpg"))


def test_polar_config(manual, tmp_path):
    example = next(iter(tfds.as_numpy(_build(manual, tmp_path, "polar").as_dataset(split="val"))))
    aerial = _rgb(manual / "ANU_data_small/satview_polish" / f"{example['id'].decode()}_satView_polish.jpg")
    assert np.abs(example["polar"] - polar_transform(aerial)).max() < 1e-3


def test_reads_matlab_v73_hdf5(manual, tmp_path):
    v5 = read_act_data(str(manual / "ACT_data.mat"))
    path = tmp_path / "v73.mat"
    # MATLAB v7.3 layout: a 512-byte text header, then HDF5 with transposed arrays and uint16 chars.
    with h5py.File(path, "w", userblock_size=512) as mat:
        width = max(map(len, v5.pano_ids))
        chars = np.array([[ord(c) for c in s.ljust(width)] for s in v5.pano_ids], np.uint16)
        mat["panoIds"] = chars.T
        mat["utm"] = v5.utm.T
        for struct, field, split in (("trainSet", "trainInd", "train"), ("valSet", "valInd", "val"), ("valSetAll", "valInd", "test")):
            mat.create_group(struct)[field] = (v5.splits[split] + 1.0)[None, :]
    with open(path, "r+b") as handle:
        text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2019 HDF5 schema 1.00 ."
        handle.write(text.ljust(116) + bytes(8) + b"\x00\x02IM")  # subsystem offset, version 0x0200, endian
    with pytest.raises(NotImplementedError):
        scipy.io.loadmat(path)  # so the HDF5 path is really the one exercised
    v73 = read_act_data(str(path))
    assert v73.pano_ids == v5.pano_ids
    np.testing.assert_array_equal(v73.utm, v5.utm)
    for split in v5.splits:
        np.testing.assert_array_equal(v73.splits[split], v5.splits[split])
    assert list(v5.splits["train"]) == [0, 3]  # 1-based [1, 4] in the file


def test_missing_file_is_listed(manual, tmp_path):
    victim = next((manual / "ANU_data_small/satview_polish").iterdir())
    os.remove(victim)
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path)
    message = str(error.value)
    assert f"ANU_data_small/satview_polish/{victim.name}" in message and "1 expected file(s) missing" in message
    assert "<panoId>_satView_polish.jpg" in message and "Liumouliu/OriCNN" in message
    assert not (tmp_path / "tfds" / "cvact" / "raw" / "1.0.0").exists()


def test_missing_or_bad_mat(manual, tmp_path):
    os.remove(manual / "ACT_data.mat")
    with pytest.raises(ManualLayoutError, match="ACT_data.mat"):
        _build(manual, tmp_path)
    scipy.io.savemat(manual / "ACT_data.mat", {"panoIds": np.array(["a"]), "utm": np.zeros((1, 2))})
    with pytest.raises(ManualLayoutError, match="trainSet"):
        _build(manual, tmp_path)


def test_corrupt_jpeg_fails_or_is_skipped(manual, tmp_path):
    pano_id = read_act_data(str(manual / "ACT_data.mat")).pano_ids[0]  # first training item
    bad = manual / "ANU_data_small/streetview" / f"{pano_id}_grdView.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg \xff\xd9")
    with pytest.raises(ManualLayoutError, match=f"{pano_id}_grdView.jpg"):
        _build(manual, tmp_path)
    assert not (tmp_path / "tfds" / "cvact" / "raw" / "1.0.0").exists()
    builder = _build(manual, tmp_path, skip_corrupt=True)
    ids = [e["id"].decode() for e in tfds.as_numpy(builder.as_dataset(split="train"))]
    assert len(ids) == 1 and pano_id not in ids


def test_middle_half_of_other_panorama_sizes(manual, tmp_path):
    pano_id = read_act_data(str(manual / "ACT_data.mat")).pano_ids[2]  # the val item
    pano = np.random.default_rng(0).integers(0, 256, (42, 80, 3), dtype=np.uint8)
    cv2.imwrite(str(manual / "ANU_data_small/streetview" / f"{pano_id}_grdView.jpg"), pano)
    example = next(iter(tfds.as_numpy(_build(manual, tmp_path).as_dataset(split="val"))))
    decoded = _rgb(manual / "ANU_data_small/streetview" / f"{pano_id}_grdView.jpg")
    np.testing.assert_array_equal(example["ground"], decoded[10:31])  # 21 rows from (42 - 21) // 2 = 10


def test_flat_layout_and_optional_test_split(manual, tmp_path):
    # A folder holding ANU_data_small's contents directly: train and val, no test split.
    flat = tmp_path / "flat"
    shutil.copytree(manual / "ANU_data_small", flat)
    shutil.copy(manual / "ACT_data.mat", flat)
    builder = _build(flat, tmp_path / "a")
    assert set(builder.info.splits) == {"train", "val"}
    example = next(iter(tfds.as_numpy(builder.as_dataset(split="val"))))
    pano_id = example["id"].decode()
    np.testing.assert_array_equal(example["ground"], _rgb(flat / "streetview" / f"{pano_id}_grdView.jpg")[208:624])
    # Everything merged into one folder: the test split is built too.
    shutil.copytree(manual / "ANU_data_test", flat, dirs_exist_ok=True)
    builder = _build(flat, tmp_path / "b")
    assert builder.info.splits["test"].num_examples == 2
    # The test-only config needs the test images and lists what is missing.
    os.remove(next((flat / "satview_polish").glob(f"{read_act_data(str(flat / 'ACT_data.mat')).pano_ids[5]}*")))
    with pytest.raises(ManualLayoutError, match="no ANU_data_test/ folder"):
        _build(flat, tmp_path / "c", "test")
