"""Training losses: pure functions with thin Keras shells."""

from cvgeo.losses.soft_margin_triplet import SoftMarginTripletLoss, soft_margin_triplet_loss

__all__ = ["SoftMarginTripletLoss", "soft_margin_triplet_loss"]
