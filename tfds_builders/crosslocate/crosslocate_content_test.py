"""Every CrossLocate example equals its file and meta entry; WGS order, bad layouts, corrupt files."""

import glob
import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.crosslocate import crosslocate_dataset_builder
from tfds_builders.crosslocate.crosslocate_meta import detect_wgs_order, read_meta
from tfds_builders.crosslocate.dummy_data_generation import write_crosslocate_layout, write_exr
from tfds_builders.manual_layout import ManualLayoutError

DEPTH = dict(
    database="database_depth", queries="query_original_result", meta="GeoPose3K_v2_original_to_depth",
    query_extension=".jpg",
)
UNIFORM = dict(
    name="Uniform", queries="query_photos_to_segments_result", meta="Alps_photos_to_segments", query_extension=".jpg",
    wgs_order="lonlat",
)


def _build(manual, data_dir, config, **kwargs):
    builder = crosslocate_dataset_builder.Builder(config=config, data_dir=str(data_dir), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual))
    return builder


def _trusted_meta(path):
    return np.load(path, allow_pickle=True).item()  # our own fixture, so plain numpy is fine here


def _prepared_files(data_dir):
    """Records or dataset_info.json anywhere under data_dir: a failed build must leave neither."""
    found = []
    for pattern in ("*.tfrecord*", "dataset_info.json"):
        found += glob.glob(os.path.join(str(data_dir), "**", pattern), recursive=True)
    return found


@pytest.mark.parametrize("config,layout,prefix,image_name", [
    ("sparse_segments", {}, "q", "ground"),
    ("sparse_segments_database", {}, "db", "aerial"),
    ("uniform_photos_to_segments", UNIFORM, "q", "ground"),
    ("uniform_photos_to_segments_database", UNIFORM, "db", "aerial"),
])
def test_examples_equal_files_and_meta(tmp_path, config, layout, prefix, image_name):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=3, views=2, seed=5, **layout)
    name, database, queries, meta_name = crosslocate_dataset_builder.DESCRIPTIONS[config.removesuffix("_database")]
    builder = _build(manual, tmp_path / "tfds", config)
    for split in ("train", "val", "test"):
        meta = _trusted_meta(os.path.join(manual, "datasets_meta", name, f"{meta_name}_{split}.npy"))
        folder = os.path.join(manual, "datasets", name, queries if prefix == "q" else database)
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == len(meta[prefix + "ImageFns"])
        for i, example in enumerate(examples):
            file_name = str(meta[prefix + "ImageFns"][i])
            assert example["index"] == i and example["file_name"].decode() == file_name
            assert example["id"].decode() == os.path.splitext(file_name)[0]
            expected = cv2.cvtColor(cv2.imread(os.path.join(folder, file_name)), cv2.COLOR_BGR2RGB)
            np.testing.assert_array_equal(example[image_name], expected)
            stored = np.asarray(meta[prefix + "WGS"][i], np.float64)
            # Uniform's fixture stores (lon, lat); the feature is always (lat, lon).
            np.testing.assert_array_equal(example["latlon"], stored[::-1] if name == "Uniform" else stored)
            np.testing.assert_array_equal(example["utm"], np.asarray(meta[prefix + "UTM"][i], np.float64))
            camera = np.asarray(meta[prefix + "CameraParams"][i], np.float64)
            np.testing.assert_array_equal(example["camera"], camera)
            assert example["yaw"] == pytest.approx(camera[0] * 180 / np.pi, abs=1e-12)
            assert example["elevation"] == float(meta[prefix + "Elevations"][i])
            assert example["meta_id"].decode() == str(meta[prefix + "IDs"][i])
            assert example["place"].decode() == str(meta[prefix + "PlaceNames"][i])


def test_depth_views_equal_the_written_depth(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=3, **DEPTH)
    meta = _trusted_meta(os.path.join(manual, "datasets_meta", "Sparse", "GeoPose3K_v2_original_to_depth_val.npy"))
    assert len(set(meta["dbImageFns"])) == 6
    rng = np.random.default_rng(11)
    known = {}
    for i, file_name in enumerate(meta["dbImageFns"]):
        known[i] = rng.uniform(1, 9000, (7 + i, 5)).astype(np.float32)
        path = os.path.join(manual, "datasets", "Sparse", "database_depth", file_name)
        write_exr(path, known[i], ("ZIP", "RLE", "NONE")[i % 3])
    builder = _build(manual, tmp_path / "tfds", "sparse_original_to_depth_database")
    examples = list(tfds.as_numpy(builder.as_dataset(split="val")))
    assert len(examples) == 6
    for example in examples:
        assert example["aerial"].dtype == np.float32
        np.testing.assert_array_equal(example["aerial"][..., 0], known[example["index"]])


def test_wgs_order_override(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=1, wgs_order="lonlat")
    auto = _build(manual, tmp_path / "a", "sparse_segments")
    forced = _build(manual, tmp_path / "b", "sparse_segments", wgs_order="latlon")
    for a, f in zip(tfds.as_numpy(auto.as_dataset(split="test")), tfds.as_numpy(forced.as_dataset(split="test"))):
        assert 43 < a["latlon"][0] < 49 and 4 < a["latlon"][1] < 18
        np.testing.assert_array_equal(a["latlon"], f["latlon"][::-1])
    with pytest.raises(ValueError, match="wgs_order must be one of"):
        crosslocate_dataset_builder.Builder(config="sparse_segments", data_dir=str(tmp_path / "c"), wgs_order="xy")


def test_detect_wgs_order_by_value_range():
    alps = np.array([[46.5, 8.0], [45.9, 16.4], [47.9, 6.1]])
    assert detect_wgs_order(alps, "m") == "latlon"
    assert detect_wgs_order(alps[:, ::-1], "m") == "lonlat"
    assert detect_wgs_order(np.array([[-33.9, 151.2]]), "m") == "latlon"  # |lon| > 90
    assert detect_wgs_order(np.array([[-122.4, 37.8]]), "m") == "lonlat"
    with pytest.raises(ManualLayoutError, match="wgs_order='latlon' or 'lonlat'"):
        detect_wgs_order(np.array([[10.0, 20.0]]), "m")  # fits both orders
    with pytest.raises(ManualLayoutError, match="finite degrees"):
        detect_wgs_order(np.array([[np.nan, 8.0]]), "m")


def test_missing_view_is_listed_and_nothing_is_written(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=3)
    victim = os.path.join(manual, "datasets", "Sparse", "database_segments", "loc003_v02_segments.png")
    os.remove(victim)
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path / "tfds", "sparse_segments_database")
    assert "1 expected file(s) missing" in str(error.value)
    assert "datasets/Sparse/database_segments/loc003_v02_segments.png" in str(error.value)
    assert _prepared_files(tmp_path / "tfds") == []
    os.remove(os.path.join(manual, "datasets_meta", "Sparse", "GeoPose3K_v2_segments_val.npy"))
    with pytest.raises(ManualLayoutError, match="GeoPose3K_v2_segments_val.npy"):
        _build(manual, tmp_path / "tfds", "sparse_segments")


def test_inconsistent_meta_is_reported(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=2)
    path = os.path.join(manual, "datasets_meta", "Sparse", "GeoPose3K_v2_segments_train.npy")
    meta = _trusted_meta(path)
    np.save(path, dict(meta, dbUTM=meta["dbUTM"][:-1]), allow_pickle=True)
    with pytest.raises(ManualLayoutError, match=r"dbUTM has shape \(3, 2\), expected \(4, 2\)"):
        read_meta(path)
    del meta["qCameraParams"]
    np.save(path, meta, allow_pickle=True)
    with pytest.raises(ManualLayoutError, match="lacks qCameraParams"):
        _build(manual, tmp_path / "tfds", "sparse_segments")


def test_corrupt_photo_and_depth_fail_or_are_skipped(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=3, **DEPTH)
    photo = os.path.join(manual, "datasets", "Sparse", "query_original_result", "q003.jpg")  # val
    depth = os.path.join(manual, "datasets", "Sparse", "database_depth", "loc000_v01_depth.exr")  # train
    for path in (photo, depth):
        with open(path, "rb") as handle:
            data = handle.read()
        with open(path, "wb") as handle:
            handle.write(data[: len(data) * 2 // 3])
    for config, victim in (("sparse_original_to_depth", photo), ("sparse_original_to_depth_database", depth)):
        with pytest.raises(ManualLayoutError) as error:
            _build(manual, tmp_path / config, config)
        assert victim in str(error.value) and "skip_corrupt" in str(error.value)
        assert _prepared_files(tmp_path / config) == []
        builder = _build(manual, tmp_path / (config + "_skip"), config, skip_corrupt=True)
        splits = builder.info.splits
        full = 2 if config == "sparse_original_to_depth" else 6
        expected = [full - 1, full, full] if victim == depth else [full, full - 1, full]
        assert [splits[s].num_examples for s in ("train", "val", "test")] == expected
