"""World, appearance and pair generation of the synthetic cross-view dataset."""

import numpy as np
import pytest

from tfds_builders.synthetic_crossview import appearance, pair_generator, panorama, world

SMALL = pair_generator.SceneSettings(aerial_size=64, ground_size=(16, 64))


def _pairs(settings, split="train", count=12):
    return list(pair_generator.generate_pairs(settings, split, count))


def test_same_seed_gives_identical_bytes_and_another_seed_differs():
    a, b = _pairs(SMALL), _pairs(SMALL)
    for p, q in zip(a, b):
        assert p.id == q.id and p.yaw == q.yaw
        assert p.ground.tobytes() == q.ground.tobytes()
        assert p.aerial.tobytes() == q.aerial.tobytes()
        assert p.xy.tobytes() == q.xy.tobytes()
    c = _pairs(pair_generator.SceneSettings(seed=1, aerial_size=64, ground_size=(16, 64)))
    assert all(p.aerial.tobytes() != r.aerial.tobytes() for p, r in zip(a, c))
    assert all(p.ground.tobytes() != r.ground.tobytes() for p, r in zip(a, c))


def test_shapes_ids_and_coordinates():
    train, test = _pairs(SMALL, "train"), _pairs(SMALL, "test")
    for p in train + test:
        assert p.ground.shape == (16, 64, 3) and p.ground.dtype == np.uint8
        assert p.aerial.shape == (64, 64, 3) and p.aerial.dtype == np.uint8
        assert p.xy.shape == (2,) and p.xy.dtype == np.float64
        assert p.yaw == 0.0
    assert len({p.id for p in train + test}) == len(train) + len(test)
    # Disjoint regions: the test world lies 100 km east of the train world.
    assert max(p.xy[0] for p in train) < pair_generator.REGION_SPACING_M <= min(p.xy[0] for p in test)


def test_neighbouring_tiles_overlap():
    pairs = list(pair_generator.generate_pairs(pair_generator.SceneSettings(), "test", 60))
    xy = np.stack([p.xy for p in pairs])
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1) + np.eye(len(xy)) * 1e9
    nearest = d.min(axis=1)
    assert nearest.min() < 5.0            # some pairs within the 5 m protocol radius
    assert (nearest < 25.0).mean() > 0.5  # most have a neighbour whose tile overlaps theirs a lot


def test_random_heading_is_recorded():
    settings = pair_generator.SceneSettings(aerial_size=64, ground_size=(16, 64), random_heading=True)
    yaws = np.array([p.yaw for p in _pairs(settings)])
    assert ((yaws >= 0) & (yaws < 360)).all()
    assert np.unique(yaws).size == yaws.size
    assert all(np.float32(y) == y for y in yaws)  # stored as float32 without rounding


def test_cameras_stand_clear_of_objects():
    w = world.generate_world(7, 400, 0.5, (0.0, 0.0))
    cams = world.sample_positions(w, 50, 65, np.random.default_rng(0))
    assert ((cams >= 65) & (cams <= 400 - 65)).all()
    for r, c in cams:  # nothing within 2 m (4 px) of the corner the camera stands on
        assert not w.height[r - 4:r + 4, c - 4:c + 4].any()


def test_settings_are_validated():
    with pytest.raises(ValueError, match="aerial_size"):
        pair_generator.SceneSettings(aerial_size=33).validate()
    with pytest.raises(ValueError, match="split"):
        next(pair_generator.generate_pairs(SMALL, "val", 3))


def test_cast_shadow_of_a_pillar_points_away_from_the_sun():
    height = np.zeros((20, 20), np.float32)
    height[10, 10] = 4.5  # at 45 degrees its shadow is 4.5 px long
    east_sun = appearance.cast_shadows(height, 1.0, sun_azimuth_deg=90.0, sun_elevation_deg=45.0)
    assert east_sun[10, 6:10].all() and not east_sun[10, 5] and not east_sun[10, 11:].any()
    north_sun = appearance.cast_shadows(height, 1.0, sun_azimuth_deg=0.0, sun_elevation_deg=45.0)
    assert north_sun[11:15, 10].all() and not north_sun[15, 10] and not north_sun[:10, 10].any()
    assert east_sun.sum() == 4 and north_sun.sum() == 4


def test_season_change_leaves_roads_and_objects_alone():
    w = world.generate_world(2, 200, 0.5, (0.0, 0.0))
    changed = appearance.change_season(w.albedo, w.parcel, np.random.default_rng(0))
    fixed = w.parcel < 0
    np.testing.assert_array_equal(changed[fixed], w.albedo[fixed])
    assert (changed[~fixed] != w.albedo[~fixed]).any()


def _luminance_correlation(a, b):
    return np.corrcoef(a.astype(float).mean(-1).ravel(), b.astype(float).mean(-1).ravel())[0, 1]


def test_appearance_changes_keep_the_content_in_place():
    """Each capture looks different but shows the same layout at the same pixels."""
    w = world.generate_world(4, 300, 0.5, (0.0, 0.0))
    # The tile with the most contrast, so that correlations measure layout rather than noise.
    corner = max(((r, c) for r in range(0, 172, 12) for c in range(0, 172, 12)),
                 key=lambda rc: w.albedo[rc[0]:rc[0] + 128, rc[1]:rc[1] + 128].mean(-1).std())
    tile = (slice(corner[0], corner[0] + 128), slice(corner[1], corner[1] + 128))
    clean_ground, layer = panorama.render_panorama(
        w.albedo[tile], w.height[tile], w.side[tile], w.kind[tile], 0.5, (64, 256))
    aerial_corr, ground_corr, aerial_shifted, ground_shifted = [], [], [], []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        aerial = appearance.change_aerial(w.albedo[tile], w.height[tile], 0.5, rng)
        ground = appearance.change_ground(clean_ground, layer, 0.0, (30.0, -45.0), rng)
        assert aerial.shape == (128, 128, 3) and ground.shape == (64, 256, 3)
        assert np.abs(aerial.astype(float) - w.albedo[tile]).mean() > 3.0
        assert np.abs(ground.astype(float) - clean_ground).mean() > 3.0
        aerial_corr.append(_luminance_correlation(aerial, w.albedo[tile]))
        ground_corr.append(_luminance_correlation(ground, clean_ground))
        aerial_shifted.append(_luminance_correlation(aerial, np.roll(w.albedo[tile], 6, axis=1)))
        ground_shifted.append(_luminance_correlation(ground, np.roll(clean_ground, 6, axis=1)))
    assert np.median(aerial_corr) > 0.8 and np.median(ground_corr) > 0.8
    # Content shifted by a few pixels correlates worse than content left in place.
    assert np.median(aerial_corr) > np.median(aerial_shifted) + 0.1
    assert np.median(ground_corr) > np.median(ground_shifted) + 0.1


def _overlap_correlation(a, b, dr, dc):
    """Correlation of a[r + dr, c + dc] with b[r, c] over the pixels both tiles hold."""
    s = a.shape[0]
    ra, rb = slice(max(dr, 0), s + min(dr, 0)), slice(max(-dr, 0), s + min(-dr, 0))
    ca, cb = slice(max(dc, 0), s + min(dc, 0)), slice(max(-dc, 0), s + min(-dc, 0))
    return _luminance_correlation(a[ra, ca], b[rb, cb])


def test_xy_matches_the_aerial_content():
    """Two tiles `xy` metres apart show the same ground shifted by exactly that many pixels."""
    settings = pair_generator.SceneSettings()
    pairs = list(pair_generator.generate_pairs(settings, "test", 60))
    right, wrong = [], []
    for i, p in enumerate(pairs):
        for q in pairs[i + 1:]:
            east, north = q.xy - p.xy
            if not (2.0 < abs(east) < 16.0 and 2.0 < abs(north) < 16.0):
                continue
            dr, dc = int(round(-north / settings.mpp)), int(round(east / settings.mpp))
            right.append(_overlap_correlation(p.aerial, q.aerial, dr, dc))
            # North and east with the wrong sign, or the axes swapped.
            wrong.append(max(_overlap_correlation(p.aerial, q.aerial, a, b)
                             for a, b in ((-dr, dc), (dr, -dc), (dc, dr), (-dr, -dc))))
    assert len(right) >= 5
    assert np.median(right) > 0.6
    assert np.mean(np.array(right) > np.array(wrong)) > 0.8
