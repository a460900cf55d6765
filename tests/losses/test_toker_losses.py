"""Toker's losses: the hard-negative soft margin against a loop oracle and hand values, the schedule, the GAN terms."""

import math

import numpy as np
import pytest
import tensorflow as tf

from cvgeo.losses import (
    discriminator_loss,
    generator_adversarial_loss,
    generator_loss,
    hard_negative_count,
    hard_negative_ratio,
    hard_negative_soft_margin_loss,
    soft_margin_triplet_loss,
)


def loop_loss(sat, pano, alpha, ratio):
    """`soft_margin_triplet_loss` of base_wrapper.py, one element at a time."""
    n = len(sat)
    dist = [[2 - 2 * float(np.dot(sat[i], pano[j])) for j in range(n)] for i in range(n)]
    k = int(ratio * (n * (n - 1))) if ratio < 1.0 else n * (n - 1)
    total = 0.0
    for positive in (lambda i, j: dist[i][i], lambda i, j: dist[j][j]):  # sat->pano, pano->sat
        terms = [0.0 if i == j else math.log(1 + math.exp(alpha * (positive(i, j) - dist[i][j])))
                 for i in range(n) for j in range(n)]
        total += sum(sorted(terms, reverse=True)[:k]) / k
    return total / 2


def unit(rng, shape):
    x = rng.normal(size=shape)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("ratio", [1.0, 0.5, 0.1, 0.05])
def test_matches_the_loop_oracle(ratio):
    rng = np.random.default_rng(int(ratio * 100))
    sat, pano = unit(rng, (9, 5)), unit(rng, (9, 5))
    got = float(hard_negative_soft_margin_loss(sat, pano, alpha=10.0, hard_ratio=ratio))
    assert got == pytest.approx(loop_loss(sat, pano, 10.0, ratio), rel=1e-5)


def test_hand_checked_values():
    # Two orthogonal pairs: dist = [[0, 2], [2, 0]]; every off-diagonal t = 0 - 2 = -2 in both directions.
    eye = np.eye(2, dtype=np.float32)
    assert float(hard_negative_soft_margin_loss(eye, eye, alpha=1.0)) == pytest.approx(math.log(1 + math.exp(-2)))
    # Ratio 1 without a diagonal is the zero-diagonal soft margin over B(B-1).
    rng = np.random.default_rng(3)
    sat, pano = unit(rng, (6, 4)), unit(rng, (6, 4))
    assert float(hard_negative_soft_margin_loss(sat, pano)) == pytest.approx(
        float(soft_margin_triplet_loss(pano, sat, include_diagonal=False)), rel=1e-6
    )
    # Keeping the hardest triplets can only raise the mean.
    assert float(hard_negative_soft_margin_loss(sat, pano, hard_ratio=0.1)) > float(hard_negative_soft_margin_loss(sat, pano))


def test_schedule_and_counts_of_the_original():
    assert [hard_negative_ratio(e) for e in (0, 20, 21, 40, 41, 60, 61, 199)] == [1.0, 1.0, 0.1, 0.1, 0.05, 0.05, 0.01, 0.01]
    # Batch 32: 992 pairs -> 99, 49, 9 hardest (spec 3.6).
    assert [int(hard_negative_count(32, r)) for r in (1.0, 0.1, 0.05, 0.01)] == [992, 99, 49, 9]
    assert int(hard_negative_count(4, 0.01)) == 1  # the original would divide by 0
    assert int(hard_negative_count(32, tf.constant(0.1))) == 99


def test_gan_losses():
    zero = np.zeros((2, 3, 4, 1), np.float32)
    # BCE(logit 0, y) = log 2 for any y; D averages two of them.
    assert float(discriminator_loss(zero, zero)) == pytest.approx(math.log(2))
    big = np.full((1, 2, 2, 1), 20.0, np.float32)
    # A confident "real" still pays for the 0.9 label: -(0.9 log s(20) + 0.1 log(1 - s(20))) ~ 0.1 * 20.
    assert float(generator_adversarial_loss(big)) == pytest.approx(0.1 * 20 + math.log1p(math.exp(-20)), rel=1e-5)
    assert float(discriminator_loss(big, -big)) == pytest.approx(0.5 * 0.1 * 20, rel=1e-3)
    assert float(generator_loss(1.0, 0.5, 0.25)) == 1.0 + 500.0 + 25.0
