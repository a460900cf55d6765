"""The registry opens VIGOR, CrossLocate and Vo & Hays by name, with clear errors for bad folders."""

import os

import pytest

from cvgeo.data.datasets import DatasetError, dataset_specs, load_split
from tfds_builders.crosslocate.dummy_data_generation import write_crosslocate_layout
from tfds_builders.vigor.dummy_data_generation import write_vigor_layout
from tfds_builders.vo_hays.dummy_data_generation import write_vo_hays_layout


def test_every_entry_names_a_registered_builder_config():
    import tensorflow_datasets as tfds

    specs = dataset_specs()
    crosslocate = tuple(n for n in specs if n.startswith("crosslocate_"))
    assert len(crosslocate) == 10
    for name in ("vigor_same_area", "vigor_cross_area", "vo_hays") + crosslocate:
        spec = specs[name]
        builder_name, _, config = spec.tfds_name.partition("/")
        builder_class = tfds.builder_cls(builder_name)
        assert not config or config in builder_class.builder_configs, name
        assert spec.manual


@pytest.mark.parametrize("name,writer,split,count", [
    ("vigor_cross_area", write_vigor_layout, "test", 8),
    ("crosslocate_sparse_segments", write_crosslocate_layout, "val", 2),
    ("vo_hays", write_vo_hays_layout, "train", 4),
])
def test_load_split_builds_from_the_manual_folder(tmp_path, name, writer, split, count):
    writer(str(tmp_path / "raw"))
    dataset = load_split(name, split, data_dir=str(tmp_path / "raw"), tfds_dir=str(tmp_path / "tfds"))
    examples = list(dataset)
    assert len(examples) == count
    assert "ground" in examples[0] and "id" in examples[0]


def test_layout_errors_become_dataset_errors(tmp_path):
    raw = str(tmp_path / "raw")
    write_vigor_layout(raw)
    os.remove(os.path.join(raw, "splits", "Chicago", "satellite_list.txt"))
    with pytest.raises(DatasetError, match="splits/Chicago/satellite_list.txt"):
        load_split("vigor_same_area", "test", data_dir=raw, tfds_dir=str(tmp_path / "tfds"))
    with pytest.raises(DatasetError, match="no --data_dir was given"):
        load_split("crosslocate_sparse_depth", "test", tfds_dir=str(tmp_path / "tfds"))


def test_skip_corrupt_reaches_the_builder(tmp_path):
    raw = str(tmp_path / "raw")
    write_vo_hays_layout(raw)
    victim = os.path.join(raw, "streetview", "boston", "test_0000.jpg")
    with open(victim, "rb") as handle:
        data = handle.read()
    with open(victim, "wb") as handle:
        handle.write(data[: len(data) // 3])
    with pytest.raises(DatasetError, match="test_0000.jpg"):
        load_split("vo_hays", "test", data_dir=raw, tfds_dir=str(tmp_path / "strict"))
    dataset = load_split("vo_hays", "test", data_dir=raw, tfds_dir=str(tmp_path / "lenient"), skip_corrupt=True)
    assert len(list(dataset)) == 3
