"""Training losses: pure functions with thin Keras shells."""

from cvgeo.losses.gan_losses import (
    binary_cross_entropy_with_logits,
    discriminator_loss,
    generator_adversarial_loss,
    generator_loss,
)
from cvgeo.losses.hard_negative_soft_margin import (
    cvact_hard_negative_soft_margin_loss,
    hard_negative_count,
    hard_negative_ratio,
    hard_negative_soft_margin_loss,
)
from cvgeo.losses.soft_margin_triplet import SoftMarginTripletLoss, soft_margin_triplet_loss

__all__ = [
    "SoftMarginTripletLoss",
    "binary_cross_entropy_with_logits",
    "cvact_hard_negative_soft_margin_loss",
    "discriminator_loss",
    "generator_adversarial_loss",
    "generator_loss",
    "hard_negative_count",
    "hard_negative_ratio",
    "hard_negative_soft_margin_loss",
    "soft_margin_triplet_loss",
]
