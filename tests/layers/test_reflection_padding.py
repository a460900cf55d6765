"""ReflectionPadding2D mirrors without repeating the edge, as nn.ReflectionPad2d."""

import numpy as np

from layer_test_helper import run_layer_test

from cvgeo.layers.reflection_padding import ReflectionPadding2D


def test_reflects_like_reflection_pad_2d():
    row = np.array([1, 2, 3, 4], np.float32)
    x = np.tile(row, (3, 1))[np.newaxis, :, :, np.newaxis] * np.array([1, 10], np.float32)  # [1, 3, 4, 2]
    x[0, :, :, 0] += np.array([[0], [100], [200]], np.float32)  # rows differ too
    result = run_layer_test(ReflectionPadding2D, {"padding": 2}, x, (1, 7, 8, 2))
    # [a b c d] -> [c b a b c d c b] along each axis.
    np.testing.assert_array_equal(result.output[0, 2, :, 1], [30, 20, 10, 20, 30, 40, 30, 20])
    np.testing.assert_array_equal(result.output[0, :, 2, 0], [201, 101, 1, 101, 201, 101, 1])
