import os
import shutil

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_builders  # noqa: F401  (registers the builders)
from cvgeo.geometry.polar_transform import polar_transform
from tfds_builders.cvusa import cvusa_dataset_builder
from tfds_builders.manual_layout import ManualLayoutError

DUMMY = os.path.join(os.path.dirname(cvusa_dataset_builder.__file__), "dummy_data")


@pytest.fixture
def manual(tmp_path):
    folder = tmp_path / "CVUSA"
    shutil.copytree(DUMMY, folder)
    return folder


def _build(manual, tmp_path, config="raw", **kwargs):
    builder = tfds.builder(f"cvusa/{config}", data_dir=str(tmp_path / "tfds"), **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    return builder


def _rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _list(manual, name):
    return [line.split(",") for line in (manual / "splits" / name).read_text().split()]


def test_pixels_ids_and_order_equal_the_files(manual, tmp_path):
    builder = _build(manual, tmp_path)
    for split, list_name in (("train", "train-19zl.csv"), ("test", "val-19zl.csv")):
        rows = _list(manual, list_name)
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert [e["id"].decode() for e in examples] == [os.path.basename(r[0])[:-4] for r in rows]
        for example, (aerial, ground, _) in zip(examples, rows):
            np.testing.assert_array_equal(example["aerial"], _rgb(manual / aerial))
            np.testing.assert_array_equal(example["ground"], _rgb(manual / ground))


def test_polar_configs_match_the_transforms(manual, tmp_path):
    safa = next(iter(tfds.as_numpy(_build(manual, tmp_path, "polar").as_dataset(split="test"))))
    aerial = _rgb(manual / "bingmap/19/0000005.jpg")
    assert safa["polar"].dtype == np.float32 and safa["polar"].shape == (112, 616, 3)
    assert np.abs(safa["polar"] - polar_transform(aerial)).max() < 1e-3
    toker = next(iter(tfds.as_numpy(_build(manual, tmp_path, "polar_toker").as_dataset(split="test"))))
    full = np.floor(polar_transform(aerial, 224, 1232)).astype(np.uint8)  # truncation, as Toker et al.
    np.testing.assert_array_equal(toker["polar"], cv2.resize(full, (616, 112), interpolation=cv2.INTER_CUBIC))


def test_missing_file_is_listed_and_nothing_written(manual, tmp_path):
    os.remove(manual / "streetview/panos/0000004.jpg")
    with pytest.raises(ManualLayoutError) as error:
        _build(manual, tmp_path)
    message = str(error.value)
    assert "1 expected file(s) missing" in message and "streetview/panos/0000004.jpg" in message
    assert str(manual) in message and "bingmap/19/<id>.jpg" in message and "mvrl.cse.wustl.edu" in message
    assert not (tmp_path / "tfds" / "cvusa" / "raw" / "1.0.0").exists()


def test_missing_split_list(manual, tmp_path):
    os.remove(manual / "splits/val-19zl.csv")
    with pytest.raises(ManualLayoutError, match="splits/val-19zl.csv"):
        _build(manual, tmp_path)


def test_empty_manual_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ManualLayoutError, match="empty") as error:
        _build(tmp_path / "empty", tmp_path)
    assert "train-19zl.csv" in str(error.value)  # the instructions name the expected files


def test_corrupt_jpeg_fails_cleanly_or_is_skipped(manual, tmp_path):
    bad = manual / "bingmap/19/0000002.jpg"
    bad.write_bytes(bad.read_bytes()[:-500])
    with pytest.raises(ManualLayoutError, match="0000002.jpg") as error:
        _build(manual, tmp_path)
    assert "skip_corrupt" in str(error.value)
    # TFDS keeps only its builder metadata (.config); no records, no incomplete folder.
    leftovers = [p for p in (tmp_path / "tfds").rglob("*") if p.is_file() and not {"downloads", ".config"} & set(p.parts)]
    assert not leftovers
    builder = _build(manual, tmp_path, skip_corrupt=True)
    assert builder.info.splits["train"].num_examples == 2 and builder.info.splits["test"].num_examples == 2
    ids = [e["id"].decode() for e in tfds.as_numpy(builder.as_dataset(split="train"))]
    assert ids == ["0000001", "0000004"]


def test_other_sizes_are_kept_but_non_square_tiles_are_not(manual, tmp_path):
    # Tiny images in the original layout build (the pipelines resize); pixels still equal the files.
    small_ground = np.random.default_rng(0).integers(0, 256, (20, 110, 3), dtype=np.uint8)
    small_aerial = np.random.default_rng(1).integers(0, 256, (30, 30, 3), dtype=np.uint8)
    cv2.imwrite(str(manual / "streetview/panos/0000007.jpg"), small_ground)
    cv2.imwrite(str(manual / "bingmap/19/0000007.jpg"), small_aerial)
    examples = list(tfds.as_numpy(_build(manual, tmp_path, "polar").as_dataset(split="test")))
    np.testing.assert_array_equal(examples[1]["ground"], _rgb(manual / "streetview/panos/0000007.jpg"))
    aerial = _rgb(manual / "bingmap/19/0000007.jpg")
    np.testing.assert_array_equal(examples[1]["aerial"], aerial)
    assert np.abs(examples[1]["polar"] - polar_transform(aerial)).max() < 1e-3
    cv2.imwrite(str(manual / "bingmap/19/0000005.jpg"), np.zeros((30, 40, 3), np.uint8))
    with pytest.raises(ManualLayoutError, match=r"0000005.jpg is 30x40 .*square"):
        _build(manual, tmp_path / "again")


def test_malformed_list_line(manual, tmp_path):
    (manual / "splits/train-19zl.csv").write_text("bingmap/19/0000001.jpg\n")
    with pytest.raises(ManualLayoutError, match="train-19zl.csv line 1"):
        _build(manual, tmp_path)


def test_pair_inputs_on_built_examples(manual, tmp_path):
    from cvgeo.data.pair_inputs import PairInputOptions, map_pair_inputs

    examples = _build(manual, tmp_path).as_dataset(split="test")
    options = PairInputOptions((112, 616), (112, 616), reference_feature="polar")
    batches = map_pair_inputs(examples, options).batch(2)
    assert batches.element_spec["query"].shape.as_list() == [None, 112, 616, 3]
    assert batches.element_spec["reference"].shape.as_list() == [None, 112, 616, 3]
    batch = next(iter(batches))
    ground = _rgb(manual / "streetview/panos/0000005.jpg")
    np.testing.assert_array_equal(batch["query"][0].numpy(), cv2.resize(ground, (616, 112), interpolation=cv2.INTER_AREA))
    polar = polar_transform(_rgb(manual / "bingmap/19/0000005.jpg"))
    assert np.abs(batch["reference"][0].numpy() - polar).max() < 1e-3
    aerial_batch = next(iter(map_pair_inputs(examples, PairInputOptions((224, 1232), (512, 512))).batch(2)))
    assert aerial_batch["reference"].shape == (2, 512, 512, 3) and aerial_batch["id"].numpy().tolist() == [b"0000005", b"0000007"]
