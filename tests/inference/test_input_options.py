"""Evaluation inputs: as a cvgeo run trained, or as the original evaluated its released weights."""

from cvgeo.inference.input_options import evaluation_input_options
from cvgeo.models import build


def test_released_safa_weights_get_the_png_stretch_and_runs_do_not():
    model = build("safa", query_shape=(32, 128), reference_shape=(32, 128))
    assert evaluation_input_options(model).polar_png_stretch
    assert not evaluation_input_options(model, {"model": "safa", "task_options": {}}).polar_png_stretch
    assert not evaluation_input_options(model, polar_png_stretch=False).polar_png_stretch
    assert evaluation_input_options(model).reference_feature == "polar"
    assert evaluation_input_options(model).query_shape == (32, 128)


def test_stn_models_resize_as_their_original_or_their_run():
    model = build("safa_stn_affine", query_shape=(32, 128), reference_shape=(64, 64))
    original = evaluation_input_options(model)
    assert (original.ground_interpolation, original.aerial_interpolation) == ("cubic", "cubic")
    run = evaluation_input_options(model, {"task_options": {"aerial_interpolation": "cubic"}})
    assert (run.ground_interpolation, run.aerial_interpolation) == ("area", "cubic")


def test_other_models_use_the_plain_inputs():
    options = evaluation_input_options(build("crosslocate", query_shape=(32, 32), reference_shape=(32, 32)))
    assert not options.polar_png_stretch and options.reference_feature == "aerial" and not options.orientation_channels
