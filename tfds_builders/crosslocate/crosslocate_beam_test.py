"""Beam generation (DirectRunner) writes the same examples as the plain generator.

Needs the optional extra apache-beam; skipped where it is not installed.
"""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.crosslocate import crosslocate_dataset_builder
from tfds_builders.crosslocate.dummy_data_generation import write_crosslocate_layout
from tfds_builders.manual_layout import ManualLayoutError

beam = pytest.importorskip("apache_beam", reason="Beam generation needs the optional extra apache-beam")


def _build(manual, data_dir, config, **kwargs):
    builder = crosslocate_dataset_builder.Builder(config=config, data_dir=str(data_dir), **kwargs)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual, beam_runner="DirectRunner")
    )
    return builder


def _rows(builder, split):
    return list(tfds.as_numpy(builder.as_dataset(split=split)))


@pytest.mark.parametrize("config,layout", [
    ("uniform_photos_to_segments_database", dict(name="Uniform", queries="query_photos_to_segments_result",
                                                 meta="Alps_photos_to_segments", wgs_order="lonlat")),
    ("sparse_original_to_depth_database", dict(database="database_depth", queries="query_original_result",
                                               meta="GeoPose3K_v2_original_to_depth", query_extension=".jpg")),
])
def test_beam_matches_the_generator(tmp_path, config, layout):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=3, **layout)
    with_beam = _build(manual, tmp_path / "beam", config, use_beam=True)
    plain = _build(manual, tmp_path / "plain", config)
    for split in ("train", "val", "test"):
        a, b = _rows(with_beam, split), _rows(plain, split)
        assert len(a) == len(b) == 6
        for x, y in zip(a, b):
            assert x.keys() == y.keys()
            for key in x:
                np.testing.assert_array_equal(x[key], y[key])


def test_beam_corrupt_view_fails_or_is_skipped(tmp_path):
    manual = str(tmp_path / "root")
    write_crosslocate_layout(manual, locations=2, views=3)
    victim = os.path.join(manual, "datasets", "Sparse", "database_segments", "loc002_v01_segments.png")
    with open(victim, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ManualLayoutError, match="loc002_v01_segments.png"):
        _build(manual, tmp_path / "strict", "sparse_segments_database", use_beam=True)
    builder = _build(manual, tmp_path / "lenient", "sparse_segments_database", use_beam=True, skip_corrupt=True)
    assert [builder.info.splits[s].num_examples for s in ("train", "val", "test")] == [6, 5, 6]
