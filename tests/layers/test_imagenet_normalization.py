"""ImageNet normalisation: torchvision's ToTensor + Normalize arithmetic, per channel, in RGB order."""

import numpy as np

from tests.layer_test_helper import run_layer_test

from cvgeo.layers.imagenet_normalization import ImageNetNormalization


def test_matches_to_tensor_and_normalize():
    images = np.array([[[[0, 128, 255], [255, 0, 12]]]], np.uint8)  # [1, 1, 2, 3] RGB
    out = run_layer_test(ImageNetNormalization, {}, images, (1, 1, 2, 3)).output
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out, (images / 255.0 - mean) / std, rtol=1e-6)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0, 0, 0], -0.485 / 0.229, rtol=1e-6)  # red channel first
