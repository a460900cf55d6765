import cv2
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.data.area_resize import area_taps, resize_area


@pytest.mark.parametrize(
    "source,target",
    [((75, 75), (51, 51)), ((120, 120), (51, 51)), ((224, 1232), (112, 616)), ((52, 208), (28, 154)), ((30, 90), (10, 30))],
)
def test_matches_opencv_inter_area(source, target):
    image = np.random.default_rng(sum(source)).integers(0, 256, (*source, 3), dtype=np.uint8)
    expected_float = cv2.resize(image.astype(np.float32), target[::-1], interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(resize_area(image, target, quantize=False).numpy(), expected_float, atol=1e-4)
    expected = cv2.resize(image, target[::-1], interpolation=cv2.INTER_AREA)
    got = resize_area(image, target).numpy()
    # Rounding agrees except where float error straddles a .5 tie.
    assert np.abs(got - expected).max() <= 1 and (got != expected).mean() < 1e-3


def test_integer_factor_rounds_half_up_like_opencv():
    image = np.array([[1, 2], [2, 2]], np.uint8)[..., None]  # mean 1.75 -> 2; [[1,2],[1,2]] mean 1.5 -> 2
    assert resize_area(image, (1, 1)).numpy().item() == 2
    image = np.array([[1, 2], [1, 2]], np.uint8)[..., None]
    assert resize_area(image, (1, 1)).numpy().item() == cv2.resize(image, (1, 1), interpolation=cv2.INTER_AREA).item() == 2


def test_weights_sum_to_one_and_batches():
    for source, target in ((750, 512), (1200, 512), (1664, 1232)):
        _, weights = area_taps(source, target)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    images = np.random.default_rng(0).integers(0, 256, (2, 30, 30, 3), dtype=np.uint8)
    batch = resize_area(tf.constant(images), (20, 20)).numpy()
    # Bit-equal on any CPU: every exact pixel value of this seed lies >= 0.05 from a rounding boundary.
    np.testing.assert_array_equal(batch[1], resize_area(images[1], (20, 20)).numpy())


def test_size_known_only_at_run_time():
    image = np.random.default_rng(4).integers(0, 256, (52, 208, 3), dtype=np.uint8)
    dynamic = tf.function(lambda x: resize_area(x, (28, 154), quantize=False),
                          input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])
    # Unrounded: this image has pixels exactly at .5, where a last-bit difference between the static-
    # and dynamic-shape kernels' summation orders could round either way.
    np.testing.assert_allclose(dynamic(image).numpy(), resize_area(image, (28, 154), quantize=False).numpy(), atol=1e-4)
    same = tf.function(lambda x: resize_area(x, (52, 208)), input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])
    np.testing.assert_array_equal(same(image).numpy(), image.astype(np.float32))


def test_rejects_upscaling():
    with pytest.raises(ValueError, match="downscales"):
        resize_area(np.zeros((10, 10, 3)), (20, 20))
