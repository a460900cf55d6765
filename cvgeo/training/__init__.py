"""Training: configurations and recipes, the compiled step, the loop with checkpoints and resume."""

from cvgeo.training.config import RECIPES, TrainConfig
from cvgeo.training.trainer import TrainingError, train

__all__ = ["RECIPES", "TrainConfig", "TrainingError", "train"]
