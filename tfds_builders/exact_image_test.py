"""ExactImage decodes stored original bytes to exactly the pixels OpenCV reads from the file."""

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tfds_builders.exact_image import ExactImage


def _encoded(image: np.ndarray, extension: str) -> bytes:
    ok, data = cv2.imencode(extension, image)
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("extension,channels", [(".jpg", 3), (".jpg", 1), (".png", 3), (".png", 1)])
def test_decoding_equals_opencv(extension, channels):
    rng = np.random.default_rng(channels)
    image = rng.integers(0, 256, (24, 40, channels) if channels == 3 else (24, 40), dtype=np.uint8)
    data = _encoded(image, extension)
    expected = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    feature = ExactImage()
    decoded = feature.decode_example(feature.encode_example(data)).numpy()
    np.testing.assert_array_equal(decoded, expected)
    # Inside tf.data too, where builders' datasets are decoded.
    mapped = tf.data.Dataset.from_tensors(data).map(feature.decode_example)
    np.testing.assert_array_equal(next(iter(mapped)).numpy(), expected)


def test_tensorflow_default_jpeg_decoding_differs():
    # Why the feature exists: TF's default (fast) DCT does not give the file's pixels.
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    data = _encoded(image, ".jpg")
    default = tf.io.decode_jpeg(data, channels=3).numpy()
    feature = ExactImage()
    assert np.abs(default.astype(int) - feature.decode_example(data).numpy()).max() > 0
