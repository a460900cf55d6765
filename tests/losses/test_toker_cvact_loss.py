"""Toker's CVACT loss (`compute_cvact_loss`, 25 m mask) against a loop oracle, with its edge cases."""

import math

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.losses import cvact_hard_negative_soft_margin_loss, hard_negative_soft_margin_loss

LOG2 = math.log(2.0)


def cvact_loop_loss(sat, pano, utm, alpha=10.0, ratio=1.0, radius=25.0):
    """`compute_cvact_loss` of base_wrapper.py one element at a time (float32 UTM as `cvact_utils.py`),
    with cvgeo's two guards: at least one hard triplet, and a divisor of 1 when no pair is useful."""
    n = len(sat)
    utm = np.asarray(utm, np.float32)
    dist = [[2 - 2 * float(np.dot(sat[i], pano[j])) for j in range(n)] for i in range(n)]
    squared = [[(utm[k, 0] - utm[j, 0]) * (utm[k, 0] - utm[j, 0]) + (utm[k, 1] - utm[j, 1]) * (utm[k, 1] - utm[j, 1])
                for j in range(n)] for k in range(n)]
    useful = [[1.0 if squared[i][j] >= np.float32(radius * radius) else 0.0 for j in range(n)] for i in range(n)]
    pair_n = sum(map(sum, useful))
    k = max(int(ratio * (n * (n - 1))), 1)
    total = 0.0
    for positive in (lambda i, j: dist[i][i], lambda i, j: dist[j][j]):  # sat->pano, pano->sat
        terms = [0.0 if i == j else math.log(1 + math.exp(alpha * (positive(i, j) - dist[i][j]) * useful[i][j]))
                 for i in range(n) for j in range(n)]
        total += sum(sorted(terms, reverse=True)[:k]) / k if k < pair_n else sum(terms) / max(pair_n, 1.0)
    return total / 2


def unit(rng, shape):
    x = rng.normal(size=shape)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def loss(sat, pano, utm, **kwargs):
    return float(cvact_hard_negative_soft_margin_loss(sat, pano, np.asarray(utm, np.float64), **kwargs))


@pytest.mark.parametrize("ratio", [1.0, 0.5, 0.1, 0.05, 0.01])
def test_matches_the_loop_oracle(ratio):
    rng = np.random.default_rng(int(ratio * 100))
    sat, pano = unit(rng, (9, 5)), unit(rng, (9, 5))
    # CVACT-like UTM (Canberra, zone 55) in a 60 m box: about a third of the pairs are within 25 m.
    utm = np.array([690000.0, 6090000.0]) + rng.uniform(0, 60, (9, 2))
    assert loss(sat, pano, utm, hard_ratio=ratio) == pytest.approx(cvact_loop_loss(sat, pano, utm, ratio=ratio), rel=1e-5)


def test_far_pairs_only_is_the_cvusa_loss():
    rng = np.random.default_rng(1)
    sat, pano = unit(rng, (6, 4)), unit(rng, (6, 4))
    utm = np.stack([np.arange(6) * 100.0, np.zeros(6)], axis=1)
    for ratio in (1.0, 0.1):
        assert loss(sat, pano, utm, hard_ratio=ratio) == pytest.approx(
            float(hard_negative_soft_margin_loss(sat, pano, hard_ratio=ratio)), rel=1e-6
        )


def test_near_pairs_stay_log_2_terms_and_can_fill_the_top_k():
    # Orthogonal pairs: every real negative is easy, softplus(10 * -2) ~ 2e-9.
    eye = np.eye(4, dtype=np.float32)
    utm = [[0.0, 0.0], [10.0, 0.0], [100.0, 0.0], [200.0, 0.0]]  # 0 and 1 are 10 m apart: 10 useful pairs
    easy = math.log1p(math.exp(-20.0))
    # Ratio 1: all 12 off-diagonal terms over the 10 useful pairs, the two near ones log 2 each.
    assert loss(eye, eye, utm) == pytest.approx((2 * LOG2 + 10 * easy) / 10, rel=1e-6)
    # k = int(0.2 * 12) = 2 < 10: the two log 2 constants are the hardest "negatives".
    assert loss(eye, eye, utm, hard_ratio=0.2) == pytest.approx(LOG2, rel=1e-6)
    assert loss(eye, eye, utm, hard_ratio=0.2) == pytest.approx(cvact_loop_loss(eye, eye, utm, ratio=0.2), rel=1e-6)


def test_k_not_below_the_useful_pairs_takes_every_term():
    eye = np.eye(4, dtype=np.float32)
    utm = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [200.0, 0.0]]  # 0, 1, 2 near each other: 6 useful pairs
    easy = math.log1p(math.exp(-20.0))
    # k = int(0.5 * 12) = 6, not below 6: no top-k; 12 terms over 6.
    expected = (6 * LOG2 + 6 * easy) / 6
    assert loss(eye, eye, utm, hard_ratio=0.5) == pytest.approx(expected, rel=1e-6)
    assert cvact_loop_loss(eye, eye, utm, ratio=0.5) == pytest.approx(expected, rel=1e-6)


def test_all_pairs_near_is_a_finite_constant_without_gradient():
    rng = np.random.default_rng(2)
    sat, pano = tf.Variable(unit(rng, (5, 4))), tf.Variable(unit(rng, (5, 4)))
    utm = np.zeros((5, 2))
    for ratio in (1.0, 0.1):
        with tf.GradientTape() as tape:
            value = cvact_hard_negative_soft_margin_loss(sat, pano, utm, hard_ratio=ratio)
        # The original divides by sum(mask) = 0 (inf); here by 1: the 20 log 2 constants.
        assert float(value) == pytest.approx(20 * LOG2, rel=1e-6)
        assert all(float(tf.reduce_max(tf.abs(g))) == 0.0 for g in tape.gradient(value, [sat, pano]))


def test_ties():
    # Identical descriptors: every difference is 0, every off-diagonal term log 2.
    same = np.tile(unit(np.random.default_rng(3), (1, 4)), (6, 1))
    utm = np.stack([np.arange(6) * 10.0, np.zeros(6)], axis=1)  # neighbours 10 m apart: some pairs near
    for ratio in (1.0, 0.5, 0.1):
        expected = cvact_loop_loss(same, same, utm, ratio=ratio)
        assert loss(same, same, utm, hard_ratio=ratio) == pytest.approx(expected, rel=1e-6)


def test_utm_in_float32_like_the_original():
    # 24.8 m apart in float64, but float32 northings near 6.09e6 are 0.5 m apart: 6090024.8 -> 6090025.
    eye = np.eye(2, dtype=np.float32)
    utm = [[690000.0, 6090000.0], [690000.0, 6090024.8]]
    assert loss(eye, eye, utm) == pytest.approx(math.log1p(math.exp(-20.0)), rel=1e-5)  # a useful pair
    # Near in both: no useful pair, the two log 2 terms over 1.
    assert loss(eye, eye, [[0.0, 0.0], [0.0, 24.8]]) == pytest.approx(2 * LOG2, rel=1e-6)


def test_query_positions_and_radius():
    rng = np.random.default_rng(4)
    sat, pano = unit(rng, (5, 3)), unit(rng, (5, 3))
    utm = rng.uniform(0, 30, (5, 2))
    both = float(cvact_hard_negative_soft_margin_loss(sat, pano, utm, utm, positive_radius=5.0))
    assert both == pytest.approx(loss(sat, pano, utm, positive_radius=5.0), rel=1e-7)
    assert both == pytest.approx(cvact_loop_loss(sat, pano, utm, radius=5.0), rel=1e-5)
