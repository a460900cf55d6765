import pytest

from cvgeo.data.input_sizes import InputSizeError, check_input_sizes
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.errors import CvgeoError
from cvgeo.training import TrainConfig
from cvgeo.training.recipes import RECIPES
from cvgeo.training.tasks import TASKS, SiameseTask, make_task


def test_registry_and_unknown_task():
    assert isinstance(make_task(TrainConfig()), SiameseTask)
    with pytest.raises(CvgeoError, match="available tasks: siamese"):
        make_task(TrainConfig(task="nope"))
    assert set(TASKS) >= {"siamese"}


@pytest.mark.parametrize(
    "recipe, reference_feature, orientation, augment",
    [("cvm_net_i", "aerial", False, True), ("ori_cnn", "aerial", True, True), ("safa", "polar", False, False)],
)
def test_siamese_task_asks_for_the_inputs_of_its_model(recipe, reference_feature, orientation, augment):
    options = make_task(RECIPES[recipe]).input_options()
    assert options.reference_feature == reference_feature
    assert options.orientation_channels == orientation
    assert options.aerial_crop_rotate == augment
    assert options.query_shape == RECIPES[recipe].model_options["query_shape"]


def test_input_larger_than_the_dataset_images_is_a_clear_error():
    import tensorflow as tf

    spec = {"ground": tf.TensorSpec([64, 256, 3], tf.uint8), "aerial": tf.TensorSpec([128, 128, 3], tf.uint8)}
    check_input_sizes(spec, PairInputOptions((64, 256), (128, 128)))
    check_input_sizes(spec, PairInputOptions((112, 616), (112, 616), "polar", ground_interpolation="cubic"))
    with pytest.raises(InputSizeError, match="set --query_height and --query_width to at most 64 and 256"):
        check_input_sizes(spec, PairInputOptions((224, 1232), (64, 64)))
    with pytest.raises(InputSizeError, match="--reference_height and --reference_width to at most 128 and 128"):
        check_input_sizes(spec, PairInputOptions((32, 128), (512, 512)))
    unknown = {"ground": tf.TensorSpec([None, None, 3], tf.uint8), "aerial": tf.TensorSpec([None, None, 3], tf.uint8)}
    check_input_sizes(unknown, PairInputOptions((224, 1232), (512, 512)))  # checked when decoded instead
    gallery = {"query": tf.TensorSpec([224, 224, 3], tf.uint8), "position": tf.TensorSpec([2], tf.float64)}
    with pytest.raises(InputSizeError, match=r"--dataset: its examples have no street panoramas \('ground'; they hold position, query\)"):
        check_input_sizes(gallery, PairInputOptions((32, 128), (64, 64)))
    with pytest.raises(InputSizeError, match="no aerial tiles"):
        check_input_sizes({"ground": spec["ground"]}, PairInputOptions((32, 128), (64, 64)))
    check_input_sizes(spec, PairInputOptions((32, 128), (32, 128), "polar"))  # the polar image made from the tile
