"""Every Vo & Hays example equals its files and list row; bad lists and images fail cleanly."""

import csv
import glob
import math
import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.manual_layout import ManualLayoutError
from tfds_builders.vo_hays import vo_hays_dataset_builder
from tfds_builders.vo_hays.dummy_data_generation import write_vo_hays_layout


def _build(manual, data_dir, **kwargs):
    builder = vo_hays_dataset_builder.Builder(data_dir=str(data_dir), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual))
    return builder


def _rgb(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


def _prepared_files(data_dir):
    """Records or dataset_info.json anywhere under data_dir: a failed build must leave neither."""
    found = []
    for pattern in ("*.tfrecord*", "dataset_info.json"):
        found += glob.glob(os.path.join(str(data_dir), "**", pattern), recursive=True)
    return found


@pytest.mark.parametrize("with_position", [True, False])
def test_examples_equal_rows_and_files(tmp_path, with_position):
    manual = str(tmp_path / "vo")
    write_vo_hays_layout(manual, pairs_per_city=3, seed=4, with_position=with_position)
    builder = _build(manual, tmp_path / "tfds")
    assert set(builder.info.splits) == {"train", "val", "test"}
    for split in ("train", "val", "test"):
        with open(os.path.join(manual, f"{split}.csv")) as handle:
            rows = list(csv.DictReader(handle))
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == len(rows)
        for row, example in zip(rows, examples):
            assert example["id"].decode() == os.path.splitext(row["ground"])[0]
            np.testing.assert_array_equal(example["ground"], _rgb(os.path.join(manual, row["ground"])))
            np.testing.assert_array_equal(example["aerial"], _rgb(os.path.join(manual, row["aerial"])))
            if with_position:
                np.testing.assert_array_equal(example["latlon"], [float(row["lat"]), float(row["lon"])])
                assert example["yaw"] == float(row["yaw"]) and example["city"].decode() == row["city"]
            else:
                assert np.isnan(example["latlon"]).all() and math.isnan(example["yaw"]) and example["city"] == b""


def test_only_the_lists_present_become_splits(tmp_path):
    manual = str(tmp_path / "vo")
    write_vo_hays_layout(manual)
    os.remove(os.path.join(manual, "val.csv"))
    assert set(_build(manual, tmp_path / "tfds").info.splits) == {"train", "test"}
    for split in ("train", "test"):
        os.remove(os.path.join(manual, f"{split}.csv"))
    with pytest.raises(ManualLayoutError, match="expected train.csv, val.csv and/or test.csv"):
        _build(manual, tmp_path / "tfds2")


@pytest.mark.parametrize("text,message", [
    ("ground,sat\nx.jpg,y.png\n", "header row must name each column once"),
    ("ground,aerial,lat\nx.jpg,y.png,3\n", "give both lat and lon"),
    ("ground,aerial,lat,lon\nx.jpg,y.png,north,4\n", r"test.csv:2: lat 'north' is not a number"),
    ("ground,aerial,lat,lon\nx.jpg,y.png,95,4\n", "out of range"),
    ("ground,aerial\nx.jpg\n", r"test.csv:2: 1 fields, the header names 2"),
    ("ground,aerial,city\nx.jpg,y.png,\n", "column city is empty on some rows"),
    ("ground,aerial,id\nx.jpg,y.png,a\nz.jpg,w.png,a\n", "id 'a' occurs more than once"),
])
def test_bad_list_files_name_file_line_and_problem(tmp_path, text, message):
    manual = str(tmp_path / "vo")
    os.makedirs(manual)
    with open(os.path.join(manual, "test.csv"), "w") as handle:
        handle.write(text)
    with pytest.raises(ManualLayoutError, match=message):
        _build(manual, tmp_path / "tfds")


def test_missing_image_is_listed_and_nothing_is_written(tmp_path):
    manual = str(tmp_path / "vo")
    write_vo_hays_layout(manual)
    os.remove(os.path.join(manual, "aerial", "boston", "test_0001.png"))
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path / "tfds")
    assert "1 expected file(s) missing" in str(error.value) and "aerial/boston/test_0001.png" in str(error.value)
    assert _prepared_files(tmp_path / "tfds") == []


def test_corrupt_jpeg_fails_or_is_skipped(tmp_path):
    manual = str(tmp_path / "vo")
    write_vo_hays_layout(manual)
    victim = os.path.join(manual, "streetview", "atlanta", "train_0001.jpg")
    with open(victim, "rb") as handle:
        data = handle.read()
    with open(victim, "wb") as handle:
        handle.write(data[:-40])
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path / "strict")
    assert victim in str(error.value)
    assert _prepared_files(tmp_path / "strict") == []
    builder = _build(manual, tmp_path / "lenient", skip_corrupt=True)
    ids = [e["id"].decode() for e in tfds.as_numpy(builder.as_dataset(split="train"))]
    assert len(ids) == 3 and "streetview/atlanta/train_0001" not in ids
