"""Dot products of float32 vectors, correctly rounded to float64: the similarity that defines exactness.

Every product of two float32 numbers is exact in float64 (24 + 24 significant bits < 53), so the only
rounding is in the sum. `exact_dot` returns what `math.fsum` of the products returns, the float64
nearest to the exact real dot product, whatever the machine, BLAS, block shape or summation order:
evaluation results defined on it cannot depend on the CPU.

It is vectorised: a pairwise sum whose every addition also yields its exact rounding error (Knuth's
TwoSum), the errors summed separately, and a rigorous check that the compensated result rounds to
the correctly rounded value; the rare row where that check cannot decide (the exact sum within
~1e-30 relative of a rounding boundary) falls back to `math.fsum`.
"""

import math

import numpy as np

_FLOAT64_UNIT_ROUNDOFF = 2.0**-53
_ROWS_PER_CHUNK = 4096


def exact_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products a[i] . b[i] of float32 [n, D] arrays, correctly rounded to float64 [n]."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"exact_dot needs two [n, D] arrays of one shape, got {a.shape} and {b.shape}")
    out = np.empty(len(a), np.float64)
    for start in range(0, len(a), _ROWS_PER_CHUNK):
        stop = start + _ROWS_PER_CHUNK
        out[start:stop] = _correctly_rounded_sum(a[start:stop].astype(np.float64) * b[start:stop].astype(np.float64))
    return out


def compare_dot(a: np.ndarray, b: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """sign(exact_dot(a, b) - threshold) per row (-1, 0, 1), for float32 [n, D] rows and float64 thresholds.

    A float64 dot product decides every row whose value is farther from its threshold than the
    float64 summation error bound; only the rest are computed exactly.
    """
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    threshold = np.asarray(threshold, np.float64)
    approximate = np.einsum("ij,ij->i", a, b, dtype=np.float64)
    # Products are exact; any summation order errs by at most gamma_D * sum|a_i b_i|, which the
    # norms bound. Four ulps of the threshold keep a decided row off its rounding boundary.
    norms = np.sqrt(np.einsum("ij,ij->i", a, a, dtype=np.float64) * np.einsum("ij,ij->i", b, b, dtype=np.float64))
    bound = 2.0 * _gamma(a.shape[1]) * norms + 4.0 * np.spacing(np.abs(threshold)) + 2.0**-1070
    sign = np.sign(approximate - threshold).astype(np.int8)
    undecided = np.flatnonzero(np.abs(approximate - threshold) <= bound)
    if undecided.size:
        exact = exact_dot(a[undecided], b[undecided])
        sign[undecided] = np.sign(exact - threshold[undecided]).astype(np.int8)
    return sign


def _correctly_rounded_sum(terms: np.ndarray) -> np.ndarray:
    """Correctly rounded row sums of float64 [n, D] terms (finite, no overflow)."""
    n, width = terms.shape
    if width == 0:
        return np.zeros(n)
    padded = 1 << max(width - 1, 0).bit_length()
    high = np.zeros((n, padded)) if padded != width else terms.copy()
    if padded != width:
        high[:, :width] = terms
    errors = np.zeros(n)
    error_magnitude = np.zeros(n)
    while high.shape[1] > 1:
        half = high.shape[1] // 2
        left, right = high[:, :half], high[:, half:]
        total, error = _two_sum(left, right)
        errors += error.sum(axis=1)
        error_magnitude += np.abs(error).sum(axis=1)
        high = total
    high = high[:, 0]
    # exact sum = high + (sum of the errors); `errors` holds that sum with at most
    # gamma_D * sum|error| of rounding (any summation order), doubled to cover rounding in the bound itself.
    slack = 2.0 * _gamma(padded) * error_magnitude
    result, residual = _two_sum(high, errors)  # result + residual == high + errors exactly
    gap_up = np.nextafter(result, np.inf) - result
    gap_down = result - np.nextafter(result, -np.inf)
    # result is the correct rounding when the exact sum lies strictly inside its rounding interval.
    decided = np.where(residual >= 0, residual + slack < gap_up / 2, slack - residual < gap_down / 2)
    for row in np.flatnonzero(~decided):
        result[row] = math.fsum(terms[row].tolist())
    return result


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s = fl(a + b) and the exact error a + b - s (Knuth; IEEE round-to-nearest, no overflow)."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _gamma(n: int) -> float:
    """Higham's gamma_n for float64: the relative error bound of an n-term sum in any order."""
    return n * _FLOAT64_UNIT_ROUNDOFF / (1.0 - n * _FLOAT64_UNIT_ROUNDOFF)
