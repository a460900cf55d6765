"""Every VIGOR example equals the files and label lines it came from; bad layouts fail cleanly."""

import glob
import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.manual_layout import ManualLayoutError
from tfds_builders.vigor import vigor_dataset_builder
from tfds_builders.vigor.dummy_data_generation import write_vigor_layout
from tfds_builders.vigor.vigor_labels import CITIES


@pytest.fixture
def manual(tmp_path):
    root = str(tmp_path / "VIGOR")
    write_vigor_layout(root, panoramas=4, tiles=6, seed=7)
    return root


def _build(manual, data_dir, config, **kwargs):
    builder = vigor_dataset_builder.Builder(config=config, data_dir=str(data_dir), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual))
    return builder


def _rgb(path):
    return cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _label_lines(manual, folder, city, list_name):
    with open(os.path.join(manual, folder, city, list_name)) as handle:
        return {line.split()[0]: line.split() for line in handle if line.strip()}


def _prepared_files(data_dir):
    """Records or dataset_info.json anywhere under data_dir: a failed build must leave neither."""
    found = []
    for pattern in ("*.tfrecord*", "dataset_info.json"):
        found += glob.glob(os.path.join(str(data_dir), "**", pattern), recursive=True)
    return found


@pytest.mark.parametrize("config,split,list_name,cities", [
    ("same_area", "test", "same_area_balanced_test.txt", ("NewYork", "Seattle", "SanFrancisco", "Chicago")),
    ("cross_area", "train", "pano_label_balanced.txt", ("NewYork", "Seattle")),
    ("cross_area_corrected", "test", "pano_label_balanced.txt", ("SanFrancisco", "Chicago")),
])
def test_queries_equal_their_files_and_labels(manual, tmp_path, config, split, list_name, cities):
    builder = _build(manual, tmp_path / "tfds", config)
    folder = "splits__corrected" if config.endswith("corrected") else "splits"
    gallery = []
    for city in cities:
        with open(os.path.join(manual, "splits", city, "satellite_list.txt")) as handle:
            gallery += [(city, line.strip()) for line in handle if line.strip()]
    expected = {}
    for city in cities:
        for name, tokens in _label_lines(manual, folder, city, list_name).items():
            expected[os.path.splitext(name)[0]] = (city, tokens)
    examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
    assert sorted(e["id"].decode() for e in examples) == sorted(expected)
    for example in examples:
        city, tokens = expected[example["id"].decode()]
        assert example["city"].decode() == city
        np.testing.assert_array_equal(example["ground"], _rgb(os.path.join(manual, city, "panorama", tokens[0])))
        np.testing.assert_array_equal(example["aerial"], _rgb(os.path.join(manual, city, "satellite", tokens[1])))
        assert example["aerial_id"].decode() + ".png" == tokens[1]
        lat, lon = (float(v) for v in tokens[0].split(",")[1:3])
        np.testing.assert_array_equal(example["latlon"], [lat, lon])
        assert gallery[example["positive_index"]] == (city, tokens[1])
        assert [gallery[i] for i in example["semi_positive_indices"]] == [(city, tokens[k]) for k in (4, 7, 10)]
        np.testing.assert_array_equal(example["positive_delta"], [float(tokens[2]), float(tokens[3])])
        np.testing.assert_array_equal(
            example["semi_positive_deltas"], [[float(tokens[k + 1]), float(tokens[k + 2])] for k in (4, 7, 10)]
        )


def test_corrected_labels_come_from_the_given_folder(manual, tmp_path):
    custom = str(tmp_path / "my_labels")
    os.rename(os.path.join(manual, "splits__corrected"), custom)
    with pytest.raises(ManualLayoutError, match="same_area_balanced_train.txt"):
        _build(manual, tmp_path / "a", "same_area_corrected")
    builder = _build(manual, tmp_path / "b", "same_area_corrected", corrected_labels_dir=custom)
    plain = _build(manual, tmp_path / "c", "same_area")
    corrected = {e["id"]: e["positive_delta"] for e in tfds.as_numpy(builder.as_dataset(split="train"))}
    for example in tfds.as_numpy(plain.as_dataset(split="train")):
        # The fixture's corrected files shift every d0 by +1.5 pixels.
        np.testing.assert_allclose(corrected[example["id"]], example["positive_delta"] + [1.5, 0.0], atol=1e-4)


def test_satellite_gallery_is_in_list_order_and_matches_query_indices(manual, tmp_path):
    satellite = _build(manual, tmp_path / "tfds", "satellite")
    reference = vigor_dataset_builder.reference_split("cross_area", "test")
    assert reference == "sanfrancisco+chicago"
    tiles = list(tfds.as_numpy(satellite.as_dataset(split=reference, shuffle_files=False)))
    names = []
    for city in ("SanFrancisco", "Chicago"):
        with open(os.path.join(manual, "splits", city, "satellite_list.txt")) as handle:
            names += [(city, line.strip()) for line in handle if line.strip()]
    assert [(t["city"].decode(), t["id"].decode() + ".png") for t in tiles] == names
    for tile, (city, name) in zip(tiles, names):
        np.testing.assert_array_equal(tile["aerial"], _rgb(os.path.join(manual, city, "satellite", name)))
        lat, lon = (float(v) for v in os.path.splitext(name)[0].split("_")[1:])
        np.testing.assert_array_equal(tile["latlon"], [lat, lon])
    queries = _build(manual, tmp_path / "tfds", "cross_area")
    for query in tfds.as_numpy(queries.as_dataset(split="test")):
        np.testing.assert_array_equal(tiles[query["positive_index"]]["aerial"], query["aerial"])


def test_missing_panorama_is_listed_and_nothing_is_written(manual, tmp_path):
    victim = sorted(glob.glob(os.path.join(manual, "Seattle", "panorama", "*.jpg")))[1]
    os.remove(victim)
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path / "tfds", "same_area")
    message = str(error.value)
    assert "1 expected file(s) missing" in message
    assert os.path.relpath(victim, manual) in message
    assert "<City>/panorama/" in message
    assert _prepared_files(tmp_path / "tfds") == []


def test_corrupt_jpeg_fails_or_is_skipped(manual, tmp_path):
    victim = sorted(glob.glob(os.path.join(manual, "Chicago", "panorama", "*.jpg")))[3]
    with open(victim, "rb") as handle:
        data = handle.read()
    with open(victim, "wb") as handle:
        handle.write(data[: len(data) // 2])
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path / "strict", "cross_area")
    assert victim in str(error.value) and "skip_corrupt" in str(error.value)
    assert _prepared_files(tmp_path / "strict") == []

    builder = _build(manual, tmp_path / "lenient", "cross_area", skip_corrupt=True)
    ids = [e["id"].decode() for e in tfds.as_numpy(builder.as_dataset(split="test"))]
    assert len(ids) == 7 and os.path.splitext(os.path.basename(victim))[0] not in ids
    assert builder.info.splits["train"].num_examples == 8


def test_malformed_label_line_names_file_and_line(manual, tmp_path):
    path = os.path.join(manual, "splits", "NewYork", "same_area_balanced_train.txt")
    with open(path, "a") as handle:
        handle.write("lonely,40.7,-74.0,.jpg satellite_40.7_-74.0.png 1.0\n")
    with pytest.raises(ManualLayoutError, match=r"same_area_balanced_train.txt:3: expected 13"):
        _build(manual, tmp_path / "tfds", "same_area")


def test_tile_missing_from_satellite_list_is_reported(manual, tmp_path):
    path = os.path.join(manual, "splits", "Seattle", "satellite_list.txt")
    with open(path) as handle:
        names = handle.read().split()
    with open(os.path.join(manual, "splits", "Seattle", "pano_label_balanced.txt")) as handle:
        positive = handle.readline().split()[1]
    with open(path, "w") as handle:
        handle.write("\n".join(n for n in names if n != positive) + "\n")
    with pytest.raises(ManualLayoutError, match=f"names tile {positive}"):
        _build(manual, tmp_path / "tfds", "cross_area")


def test_reference_split_covers_every_test_city():
    assert vigor_dataset_builder.reference_split("same_area", "test").split("+") == [c.lower() for c in CITIES]
    with pytest.raises(ValueError, match="same_area, cross_area"):
        vigor_dataset_builder.reference_split("other_area", "test")


def test_beam_generation_matches_the_generator(manual, tmp_path):
    pytest.importorskip("apache_beam", reason="Beam generation needs the optional extra apache-beam")
    config = tfds.download.DownloadConfig(manual_dir=manual, beam_runner="DirectRunner")
    victim = sorted(glob.glob(os.path.join(manual, "NewYork", "satellite", "*.png")))[2]
    with open(victim, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n broken")
    for name in ("cross_area", "satellite"):
        beam_builder = vigor_dataset_builder.Builder(
            config=name, data_dir=str(tmp_path / "beam"), use_beam=True, skip_corrupt=True,
        )
        beam_builder.download_and_prepare(download_config=config)
        plain = _build(manual, tmp_path / "plain", name, skip_corrupt=True)
        for split in plain.info.splits:
            a = list(tfds.as_numpy(beam_builder.as_dataset(split=split)))
            b = list(tfds.as_numpy(plain.as_dataset(split=split)))
            assert len(a) == len(b) > 0
            for x, y in zip(a, b):
                for key in x:
                    np.testing.assert_array_equal(x[key], y[key])
    assert beam_builder.info.splits["newyork"].num_examples == 5
