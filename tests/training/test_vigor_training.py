"""Training on VIGOR: batches drawn by tile, the VIGOR-SAFA recipe, validation with the VIGOR protocol.

Runs on the VIGOR builder's dummy data (the original layout with tiny images).
"""

import json
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from cvgeo.data import load_indexed_split, load_split
from cvgeo.training import TrainConfig, train
from cvgeo.training.recipes import RECIPES, recipe_name
from cvgeo.training.tasks import make_task
from cvgeo.training.validation import make_validator
from cvgeo.training.vigor_batches import VigorEpochs

DUMMY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "tfds_builders", "vigor", "dummy_data")


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def _config(tfds_dir: str, output_dir: str = "unused", **changes) -> TrainConfig:
    return TrainConfig(
        model="small_net", dataset="vigor_same_area", data_dir=DUMMY, tfds_dir=tfds_dir, batch_size=2,
        model_options={"query_shape": (16, 32), "reference_shape": (16, 16)}, output_dir=output_dir, **changes,
    )


def _tiles(tfds_dir: str) -> dict[str, set]:
    examples = tfds.as_numpy(load_split("vigor_same_area", "train", data_dir=DUMMY, tfds_dir=tfds_dir))
    return {e["id"].decode(): {int(e["positive_index"]), *map(int, e["semi_positive_indices"])} for e in examples}


def test_epoch_batches_are_drawn_by_tile_and_repeat_with_the_seed(small_net, tfds_dir):
    tiles = _tiles(tfds_dir)
    task = make_task(_config(tfds_dir))
    examples = load_split("vigor_same_area", "train", data_dir=DUMMY, tfds_dir=tfds_dir)
    batches = [[name.decode() for name in batch["id"].numpy()] for batch in task.epoch_batches(examples, 0)]
    assert len(batches) == len(tiles) // 2  # VIGOR: int(panoramas / batch) batches an epoch
    for first, second in batches:
        assert tiles[first].isdisjoint(tiles[second]), (first, second)
    again = [[name.decode() for name in batch["id"].numpy()] for batch in task.epoch_batches(examples, 0)]
    assert again == batches
    epochs = VigorEpochs(load_indexed_split("vigor_same_area", "train", data_dir=DUMMY, tfds_dir=tfds_dir))
    orders = {tuple(epochs.order(seed, 2)) for seed in range(6)}
    assert len(orders) > 1  # the draw depends on the seed


def test_a_run_on_vigor_trains_and_validates_with_the_vigor_protocol(small_net, tfds_dir, tmp_path):
    config = _config(tfds_dir, str(tmp_path / "run"), epochs=2)
    train(config, validate=make_validator(config))
    lines = [json.loads(line) for line in (tmp_path / "run" / "validation.jsonl").read_text().splitlines()]
    assert len(lines) == 2
    assert lines[-1]["protocol"] == "vigor" and lines[-1]["num_references"] == 24 and "hit_rate" in lines[-1]


def test_vigor_recipe_holds_the_original_hyper_parameters():
    # VIGOR train_SAFA.py / dataloader.py / models.py.
    assert recipe_name("safa", "vigor_cross_area", synthetic=False) == "safa_vigor"
    recipe = RECIPES["safa_vigor"]
    assert (recipe.batch_size, recipe.epochs, recipe.learning_rate, recipe.alpha, recipe.include_diagonal) == (14, 30, 1e-5, 10.0, True)
    assert recipe.model_options == {"query_shape": (320, 640), "reference_shape": (320, 320), "sa_pool": "max", "dropout_rate": 0.0}
    task = make_task(recipe)
    options = task.input_options()
    assert (options.reference_feature, options.round_resized, options.aerial_crop_rotate) == ("aerial", False, False)
    rate = task._learning_rate()  # tf.train.exponential_decay(1e-5, step, 150000, 0.1), not staircase
    for step in (0, 1, 75_000, 150_000, 300_000):
        assert float(rate(step)) == pytest.approx(1e-5 * 0.1 ** (step / 150_000), rel=1e-6)


def test_float_resize_keeps_fractions():
    import cv2
    import tensorflow as tf

    from cvgeo.data.pair_inputs import PairInputOptions, ground_input

    image = np.random.default_rng(0).integers(0, 256, (16, 32, 3), np.uint8)
    kept = ground_input(tf.constant(image), PairInputOptions((6, 12), (6, 6), round_resized=False)).numpy()
    expected = cv2.resize(image.astype(np.float32), (12, 6), interpolation=cv2.INTER_AREA)  # VIGOR's loader
    np.testing.assert_allclose(kept, expected, rtol=1e-5)
    rounded = ground_input(tf.constant(image), PairInputOptions((6, 12), (6, 6))).numpy()
    np.testing.assert_array_equal(rounded, cv2.resize(image, (12, 6), interpolation=cv2.INTER_AREA))


def test_sampler_ordered_training_batches_keep_the_training_targets():
    """Without a shuffle (VIGOR's sampled order) a training pipeline is still a training pipeline."""
    import tensorflow as tf

    from cvgeo.data.pair_inputs import PairInputOptions
    from cvgeo.data.pair_pipeline import pair_pipeline

    rng = np.random.default_rng(0)
    examples = tf.data.Dataset.from_tensor_slices({
        "ground": rng.integers(0, 256, (4, 16, 32, 3), np.uint8), "aerial": rng.integers(0, 256, (4, 24, 24, 3), np.uint8),
        "id": [b"a", b"b", b"c", b"d"],
    })
    options = PairInputOptions((8, 16), (8, 8), polar_target_shape=(8, 16))
    batches = list(pair_pipeline(examples, options, batch_size=2, training=True, shuffle_buffer=None))
    assert [batch["id"].numpy().tolist() for batch in batches] == [[b"a", b"b"], [b"c", b"d"]]
    assert all(batch["polar"].shape == (2, 8, 16, 3) for batch in batches)
    assert "polar" not in next(iter(pair_pipeline(examples, options, batch_size=2, training=False)))
