"""TFDS builder of cvgeo's synthetic cross-view dataset (no download).

Each example pairs a ground panorama rendered from its aerial tile with that
tile, plus planar metres and the panorama's yaw. See README.md for the frame.

    import tfds_builders  # registers the builder
    ds = tfds.load("synthetic_crossview/tiny", split="test")
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import tensorflow_datasets as tfds

from tfds_builders.synthetic_crossview import crosslocate_generator, gallery_generator, pair_generator


@dataclasses.dataclass(eq=False)
class SyntheticCrossviewConfig(tfds.core.BuilderConfig):
    """A variant: the scene settings and how many pairs each split holds."""

    scene: pair_generator.SceneSettings = dataclasses.field(default_factory=pair_generator.SceneSettings)
    train_pairs: int = 2000
    test_pairs: int = 300
    # "pairs": a panorama and the tile centred on it; "vigor": VIGOR-style panoramas with their
    # positive and semi-positive tiles; "vigor_satellite": the tile gallery those index;
    # "crosslocate": CrossLocate-style query photos; "crosslocate_database": their rendered database.
    kind: str = "pairs"
    train_locations: int = 300  # crosslocate kinds: database locations (12 views each)
    test_locations: int = 100


# Panoramas 6x as wide as a 60-degree view, a multiple of the 12 database headings.
_CROSSLOCATE_SCENE = pair_generator.SceneSettings(ground_size=(64, 384))
_CROSSLOCATE_TINY_SCENE = pair_generator.SceneSettings(aerial_size=32, ground_size=(16, 96))


def _png(rgb: np.ndarray) -> bytes:
    """Lossless PNG bytes; cv2 writes them about 10x faster than TF's encoder that TFDS would use."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"cv2 could not encode an image of shape {rgb.shape} as PNG")
    return encoded.tobytes()


class Builder(tfds.core.GeneratorBasedBuilder):
    """Procedural aerial tiles and the ground panoramas seen from their centres."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    BUILDER_CONFIGS = [
        SyntheticCrossviewConfig(
            name="default",
            description="North-aligned panoramas 64x256, aerial 128x128 at 0.5 m/px; 2000 train, 300 test.",
        ),
        SyntheticCrossviewConfig(
            name="random_heading",
            description="As default, but each panorama has a random yaw (recorded in `yaw`).",
            scene=pair_generator.SceneSettings(random_heading=True),
        ),
        SyntheticCrossviewConfig(
            name="tiny",
            description="For tests: panoramas 16x64, aerial 32x32 at 2 m/px; 6 train, 4 test.",
            scene=pair_generator.SceneSettings(aerial_size=32, ground_size=(16, 64)),
            train_pairs=6,
            test_pairs=4,
        ),
        SyntheticCrossviewConfig(
            name="vigor",
            description="VIGOR-style: panoramas 64x256 anywhere in a city of tiles 128x128 at 0.5 m/px overlapping "
                        "by half, each with a positive and 3 semi-positive tiles; 2000 train, 300 test.",
            kind="vigor",
        ),
        SyntheticCrossviewConfig(
            name="vigor_satellite", description="The tile gallery of `vigor`, one split per city (train, test).",
            kind="vigor_satellite",
        ),
        SyntheticCrossviewConfig(
            name="vigor_tiny", description="For tests: `vigor` with panoramas 16x64, tiles 32x32 at 2 m/px; 6 / 4.",
            scene=pair_generator.SceneSettings(aerial_size=32, ground_size=(16, 64)),
            train_pairs=6, test_pairs=4, kind="vigor",
        ),
        SyntheticCrossviewConfig(
            name="vigor_tiny_satellite", description="The tile gallery of `vigor_tiny`.",
            scene=pair_generator.SceneSettings(aerial_size=32, ground_size=(16, 64)),
            train_pairs=6, test_pairs=4, kind="vigor_satellite",
        ),
        SyntheticCrossviewConfig(
            name="crosslocate",
            description="CrossLocate-style: 64x64 query photos (60 degrees wide, any heading, within 15 m of a "
                        "database location); 600 train, 200 test.",
            scene=_CROSSLOCATE_SCENE, train_pairs=600, test_pairs=200, kind="crosslocate",
        ),
        SyntheticCrossviewConfig(
            name="crosslocate_database",
            description="The database of `crosslocate`: semantic-segment renders, 12 headings at each of 300 / 100 "
                        "locations.",
            scene=_CROSSLOCATE_SCENE, train_pairs=600, test_pairs=200, kind="crosslocate_database",
        ),
        SyntheticCrossviewConfig(
            name="crosslocate_tiny", description="For tests: `crosslocate` at 16x16, 4 / 3 queries, 3 / 2 locations.",
            scene=_CROSSLOCATE_TINY_SCENE, train_pairs=4, test_pairs=3, kind="crosslocate",
            train_locations=3, test_locations=2,
        ),
        SyntheticCrossviewConfig(
            name="crosslocate_tiny_database", description="The database of `crosslocate_tiny`.",
            scene=_CROSSLOCATE_TINY_SCENE, train_pairs=4, test_pairs=3, kind="crosslocate_database",
            train_locations=3, test_locations=2,
        ),
    ]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> tfds.core.DatasetInfo:
        scene, kind = self.builder_config.scene, self.builder_config.kind
        s = scene.aerial_size
        ground = tfds.features.Image(shape=(*scene.ground_size, 3), encoding_format="png")
        aerial = tfds.features.Image(shape=(s, s, 3), encoding_format="png")
        if kind.startswith("crosslocate"):
            return self._crosslocate_info()
        if kind == "pairs":
            features = {
                "ground": ground, "aerial": aerial, "id": tfds.features.Text(),
                "xy": tfds.features.Tensor(shape=(2,), dtype=np.float64),
                "yaw": tfds.features.Scalar(dtype=np.float32),
            }
        else:  # the features of the vigor builder's configs
            exact = tfds.features.Encoding.BYTES
            latlon = tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact)
            features = {"aerial": aerial, "id": tfds.features.Text(), "city": tfds.features.Text(), "latlon": latlon}
            if kind == "vigor_satellite":
                features["index"] = np.int64
            else:
                semi = gallery_generator.SEMI_POSITIVES
                features.update({
                    "ground": ground, "aerial_id": tfds.features.Text(), "aerial_latlon": latlon,
                    "positive_index": np.int64,
                    "positive_delta": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                    "semi_positive_indices": tfds.features.Tensor(shape=(semi,), dtype=np.int64),
                    "semi_positive_deltas": tfds.features.Tensor(shape=(semi, 2), dtype=np.float64, encoding=exact),
                })
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            supervised_keys=("ground", "aerial") if kind == "pairs" else None,
            disable_shuffling=kind != "pairs",  # gallery order == `index`, as the vigor builder's
        )

    def _crosslocate_info(self) -> tfds.core.DatasetInfo:
        """The features of the crosslocate builder's configs."""
        scene, kind = self.builder_config.scene, self.builder_config.kind
        view = (scene.ground_size[0], crosslocate_generator.view_width(scene), 3)
        exact = tfds.features.Encoding.BYTES
        scalar = tfds.features.Tensor(shape=(), dtype=np.float64, encoding=exact)
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "ground" if kind == "crosslocate" else "aerial": tfds.features.Image(shape=view, encoding_format="png"),
                "id": tfds.features.Text(), "file_name": tfds.features.Text(), "index": np.int64,
                "meta_id": tfds.features.Text(), "place": tfds.features.Text(),
                "latlon": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "utm": tfds.features.Tensor(shape=(2,), dtype=np.float64, encoding=exact),
                "elevation": scalar,
                "camera": tfds.features.Tensor(shape=(4,), dtype=np.float64, encoding=exact),
                "yaw": scalar,
            }),
            disable_shuffling=True,  # example order == `index`
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # everything is generated
        cfg = self.builder_config
        counts = {"train": cfg.train_pairs, "test": cfg.test_pairs}
        if cfg.kind == "pairs":
            return {split: self._generate_examples(split, count) for split, count in counts.items()}
        if cfg.kind.startswith("crosslocate"):
            return {split: self._generate_views(split, count) for split, count in counts.items()}
        return {split: self._generate_city(split, count) for split, count in counts.items()}

    def _generate_views(self, split: str, queries: int):
        cfg = self.builder_config
        locations = cfg.train_locations if split == "train" else cfg.test_locations
        database, photos = crosslocate_generator.generate_views(cfg.scene, split, locations, queries)
        views, image = (photos, "ground") if cfg.kind == "crosslocate" else (database, "aerial")
        fov = np.radians(crosslocate_generator.FOV_DEG)
        for index, view in enumerate(views):
            yield index, {
                image: _png(view.image), "id": view.id, "file_name": f"{view.id}.png", "index": index,
                "meta_id": view.id, "place": f"synthetic_{split}", "latlon": view.latlon, "utm": view.utm,
                "elevation": np.float64(cfg.scene.camera_height_m),
                "camera": np.array([np.radians(view.yaw), 0.0, 0.0, fov]), "yaw": np.float64(view.yaw),
            }

    def _generate_city(self, split: str, count: int):
        tiles, panoramas = gallery_generator.generate_city(self.builder_config.scene, split, count)
        if self.builder_config.kind == "vigor_satellite":
            for tile in tiles:
                yield tile.index, {
                    "aerial": _png(tile.aerial), "id": tile.id, "city": f"synthetic_{split}", "latlon": tile.latlon,
                    "index": tile.index,
                }
            return
        gallery = {tile.index: tile for tile in tiles}
        for index, pano in enumerate(panoramas):
            positive = gallery[int(pano.tiles[0])]
            yield index, {
                "ground": _png(pano.ground), "aerial": _png(positive.aerial), "id": pano.id,
                "city": f"synthetic_{split}", "latlon": pano.latlon, "aerial_id": positive.id,
                "aerial_latlon": positive.latlon, "positive_index": int(pano.tiles[0]), "positive_delta": pano.deltas[0],
                "semi_positive_indices": pano.tiles[1:], "semi_positive_deltas": pano.deltas[1:],
            }

    def _generate_examples(self, split: str, count: int):
        for pair in pair_generator.generate_pairs(self.builder_config.scene, split, count):
            yield pair.id, {
                "ground": _png(pair.ground),
                "aerial": _png(pair.aerial),
                "id": pair.id,
                "xy": pair.xy,
                "yaw": np.float32(pair.yaw),
            }
