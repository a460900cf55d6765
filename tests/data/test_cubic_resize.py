import cv2
import numpy as np
import pytest

from cvgeo.data.cubic_resize import cubic_taps, resize_cubic


@pytest.mark.parametrize("source,target", [((224, 1232), (112, 616)), ((30, 50), (13, 21)), ((20, 20), (45, 33))])
def test_matches_opencv_inter_cubic(source, target):
    image = np.random.default_rng(sum(source)).integers(0, 256, (*source, 3), dtype=np.uint8)
    expected = cv2.resize(image, target[::-1], interpolation=cv2.INTER_CUBIC)
    _assert_equal_but_within_float_error_of_half(resize_cubic(image, target).numpy(), expected, _exact_cubic(image, target))
    expected_float = cv2.resize(image.astype(np.float32), target[::-1], interpolation=cv2.INTER_CUBIC)
    np.testing.assert_allclose(resize_cubic(image, target, quantize=False).numpy(), expected_float, atol=1e-3)


def _exact_cubic(image, target):
    """The separable cubic resize in float64, from the same taps."""
    (rows, row_weights), (columns, column_weights) = cubic_taps(image.shape[0], target[0]), cubic_taps(image.shape[1], target[1])
    vertical = (image.astype(np.float64)[rows] * row_weights[..., None, None]).sum(axis=1)
    return (vertical[:, columns] * column_weights[None, ..., None]).sum(axis=2)


def _assert_equal_but_within_float_error_of_half(got, expected, exact):
    """Equal, except where the exact value lies within float32 error (not exactly on) a .5 boundary:
    there OpenCV's and TF's float32 sums round by their own summation orders, which depend on the CPU.
    Exact .5 values (the factor-2 cases) must round as OpenCV does."""
    from_half = np.abs(exact - np.floor(exact) - 0.5)
    ambiguous = (from_half < 1e-3) & (from_half > 1e-9)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    np.testing.assert_array_equal(got[~ambiguous], expected[~ambiguous])


def test_halving_weights_are_opencvs_cubic_at_one_half():
    # a = -0.75 at t = 0.5: (-0.09375, 0.59375, 0.59375, -0.09375); TF's a = -0.5 would give -0.0625.
    indices, weights = cubic_taps(8, 4)
    np.testing.assert_allclose(weights[1], [-0.09375, 0.59375, 0.59375, -0.09375])
    np.testing.assert_array_equal(indices[0], [0, 0, 1, 2])  # replicated border
    np.testing.assert_array_equal(indices[3], [5, 6, 7, 7])


def test_size_known_only_at_run_time():
    import tensorflow as tf

    image = np.random.default_rng(7).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    dynamic = tf.function(lambda x: resize_cubic(x, (13, 21)), input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])
    got, expected = dynamic(image).numpy(), cv2.resize(image, (21, 13), interpolation=cv2.INTER_CUBIC)
    # Float summation order may differ from the static graph: at most a tie flips by one level.
    assert np.abs(got - expected).max() <= 1 and (got != expected).mean() < 0.01
