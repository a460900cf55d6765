"""Builds the tiny configs into a temporary folder and checks what TFDS stored."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_builders  # noqa: F401  (registers the builder)
from tfds_builders.synthetic_crossview import pair_generator


def _build(data_dir):
    builder = tfds.builder("synthetic_crossview/tiny", data_dir=str(data_dir))
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    return {ex["id"].decode(): ex for ex in tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False))}


def test_tiny_config_splits_shapes_and_determinism(tmp_path):
    builder = _build(tmp_path / "a")
    assert builder.info.splits["train"].num_examples == 6
    assert builder.info.splits["test"].num_examples == 4
    test = _examples(builder, "test")
    assert sorted(test) == [f"test_{i:06d}" for i in range(4)]
    for ex in test.values():
        assert ex["ground"].shape == (16, 64, 3) and ex["ground"].dtype == np.uint8
        assert ex["aerial"].shape == (32, 32, 3) and ex["aerial"].dtype == np.uint8
        assert ex["xy"].shape == (2,) and ex["xy"].dtype == np.float64
        assert ex["yaw"].dtype == np.float32 and ex["yaw"] == 0.0
    # What TFDS stored is exactly what the generator makes (PNG is lossless) ...
    scene = builder.builder_config.scene
    for pair in pair_generator.generate_pairs(scene, "test", 4):
        np.testing.assert_array_equal(test[pair.id]["ground"], pair.ground)
        np.testing.assert_array_equal(test[pair.id]["aerial"], pair.aerial)
        np.testing.assert_array_equal(test[pair.id]["xy"], pair.xy)
    # ... and a second build into another folder stores the same examples.
    again = _examples(_build(tmp_path / "b"), "train")
    first = _examples(builder, "train")
    assert sorted(again) == sorted(first)
    for key, ex in first.items():
        for feature in ("ground", "aerial", "xy", "yaw"):
            np.testing.assert_array_equal(ex[feature], again[key][feature])


def test_covering_tiles_by_hand():
    # Tiles 32 px wide at stride 16: centres 16, 32, 48, 64 on each axis.
    from tfds_builders.synthetic_crossview.gallery_generator import covering_tiles

    cells, deltas = covering_tiles(np.array([30, 50]), np.array([16, 32, 48, 64]), 32)
    # Nearest centres (32, 48): the positive; towards the position: row 16, column 64.
    assert cells.tolist() == [[1, 2], [0, 2], [1, 3], [0, 3]]
    # VIGOR's (d0, d1): row = centre + d0, column = centre - d1.
    assert deltas.tolist() == [[-2.0, -2.0], [14.0, -2.0], [-2.0, 14.0], [14.0, 14.0]]


def test_vigor_tiny_panoramas_lie_in_their_four_tiles(tmp_path):
    import pyproj

    queries = tfds.builder("synthetic_crossview/vigor_tiny", data_dir=str(tmp_path))
    gallery = tfds.builder("synthetic_crossview/vigor_tiny_satellite", data_dir=str(tmp_path))
    queries.download_and_prepare()
    gallery.download_and_prepare()
    size, mpp = 32, 2.0
    for split, count in (("train", 6), ("test", 4)):
        tiles = list(tfds.as_numpy(gallery.as_dataset(split=split, shuffle_files=False)))
        assert [tile["index"] for tile in tiles] == list(range(len(tiles)))
        panoramas = list(tfds.as_numpy(queries.as_dataset(split=split, shuffle_files=False)))
        assert len(panoramas) == count
        for pano in panoramas:
            indices = [pano["positive_index"], *pano["semi_positive_indices"]]
            deltas = np.concatenate([pano["positive_delta"][None], pano["semi_positive_deltas"]])
            assert len(set(indices)) == 4
            assert np.abs(deltas[0]).max() <= size / 4 and np.abs(deltas).max() <= size / 2
            positive = tiles[pano["positive_index"]]
            np.testing.assert_array_equal(pano["aerial"], positive["aerial"])
            assert pano["aerial_id"] == positive["id"]
            for index, (d0, d1) in zip(indices, deltas):  # the offsets agree with the geodesic positions
                lat, lon = tiles[index]["latlon"]
                azimuth, _, metres = pyproj.Geod(ellps="WGS84").inv(lon, lat, pano["latlon"][1], pano["latlon"][0])
                assert metres == pytest.approx(np.hypot(d0, d1) * mpp, rel=2e-3, abs=1e-6)
                if metres > 1.0:  # d0 south, -d1 east of the tile centre
                    expected = np.degrees(np.arctan2(-d1, -d0))
                    assert abs((azimuth - expected + 180) % 360 - 180) < 1.0


def test_crosslocate_tiny_queries_are_near_a_database_location_in_any_heading(tmp_path):
    from tfds_builders.synthetic_crossview import crosslocate_generator

    queries = tfds.builder("synthetic_crossview/crosslocate_tiny", data_dir=str(tmp_path))
    database = tfds.builder("synthetic_crossview/crosslocate_tiny_database", data_dir=str(tmp_path))
    queries.download_and_prepare()
    database.download_and_prepare()
    for split, (photos, locations) in {"train": (4, 3), "test": (3, 2)}.items():
        views = list(tfds.as_numpy(database.as_dataset(split=split, shuffle_files=False)))
        shots = list(tfds.as_numpy(queries.as_dataset(split=split, shuffle_files=False)))
        assert len(views) == 12 * locations and len(shots) == photos
        assert all(view["aerial"].shape == (16, 16, 3) for view in views)
        assert [view["yaw"] for view in views] == [30.0 * k for k in range(12)] * locations
        places = np.stack([view["utm"] for view in views[::12]])
        for shot in shots:
            assert shot["ground"].shape == (16, 16, 3)
            assert np.hypot(*(places - shot["utm"]).T).min() <= crosslocate_generator.QUERY_DISTANCE_M
            assert np.degrees(shot["camera"][0]) == pytest.approx(shot["yaw"])
    # A database view is the render at its own heading (rolled from the north-up render).
    settings = database.builder_config.scene
    world_ = pair_generator.build_world(settings, "test", 2)
    location = list(tfds.as_numpy(database.as_dataset(split="test", shuffle_files=False)))[:12]
    row = int(round((world_.origin[1] + crosslocate_generator._UTM_ORIGIN[1] - location[0]["utm"][1]) / settings.mpp))
    col = int(round((location[0]["utm"][0] - crosslocate_generator._UTM_ORIGIN[0] - world_.origin[0]) / settings.mpp))
    half = settings.aerial_size // 2
    window = (slice(row - half, row + half), slice(col - half, col + half))
    for heading in (1, 7):
        rendered = crosslocate_generator._render_segments(world_, window, settings, 30.0 * heading, (0.0, 0.0))
        np.testing.assert_array_equal(crosslocate_generator.crop_heading(rendered), location[heading]["aerial"])
