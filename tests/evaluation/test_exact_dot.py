import math

import numpy as np
import pytest

from cvgeo.evaluation.exact_dot import exact_dot


def _fsum_rows(a, b):
    return np.array([math.fsum((x.astype(np.float64) * y.astype(np.float64)).tolist()) for x, y in zip(a, b)])


@pytest.mark.parametrize("dim", [1, 2, 3, 7, 64, 513])
def test_equals_math_fsum_on_hard_sums(dim):
    rng = np.random.default_rng(dim)
    a = rng.standard_normal((1200, dim)).astype(np.float32)
    b = rng.standard_normal((1200, dim)).astype(np.float32)
    # Rows 0-299: magnitudes over 120 binary orders; 300-599: products that cancel in pairs up to a
    # last-bit remainder; 600-899: a huge term that cancels exactly, leaving tiny ones.
    a[:300] *= np.exp2(rng.integers(-60, 60, (300, dim))).astype(np.float32)
    if dim > 1:
        half = dim // 2
        a[300:600, half : 2 * half] = -a[300:600, :half]
        b[300:600, half : 2 * half] = np.nextafter(b[300:600, :half], np.float32(np.inf))
        a[600:900, 0], b[600:900, 0] = 3e18, 1.0
        a[600:900, 1], b[600:900, 1] = -3e18, 1.0
        a[600:900, 2:] *= 1e-20
    np.testing.assert_array_equal(exact_dot(a, b), _fsum_rows(a, b))


def test_does_not_depend_on_term_order():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((500, 100)).astype(np.float32)
    b = rng.standard_normal((500, 100)).astype(np.float32)
    permutation = rng.permutation(100)
    np.testing.assert_array_equal(exact_dot(a, b), exact_dot(a[:, permutation], b[:, permutation]))


def test_exact_small_integers_and_empty():
    a = np.array([[1, 2, 3], [0, 0, 0]], np.float32)
    np.testing.assert_array_equal(exact_dot(a, a[::-1]), [0.0, 0.0])
    np.testing.assert_array_equal(exact_dot(a, a), [14.0, 0.0])
    assert exact_dot(np.zeros((0, 4)), np.zeros((0, 4))).shape == (0,)
    with pytest.raises(ValueError, match="one shape"):
        exact_dot(np.zeros((2, 3)), np.zeros((2, 4)))


def test_compare_dot_is_the_sign_against_the_exact_value():
    from cvgeo.evaluation.exact_dot import compare_dot

    rng = np.random.default_rng(4)
    a = rng.standard_normal((3000, 40)).astype(np.float32)
    b = rng.standard_normal((3000, 40)).astype(np.float32)
    exact = exact_dot(a, b)
    # Thresholds at the exact value, one float64 ulp either side, and far away.
    threshold = np.concatenate([exact[:1000], np.nextafter(exact[1000:2000], np.inf), exact[2000:] - 1.0])
    threshold[1500:2000] = np.nextafter(exact[1500:2000], -np.inf)
    expected = np.sign(exact - threshold).astype(np.int8)
    np.testing.assert_array_equal(compare_dot(a, b, threshold), expected)
    assert (expected == 0).sum() == 1000 and (expected == -1).sum() == 500 and (expected == 1).sum() == 1500
