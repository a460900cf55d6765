"""Training: configurations and recipes, the compiled step, the loop with checkpoints and resume."""

from cvgeo.training.config import TrainConfig
from cvgeo.training.recipes import RECIPES
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.trainer import NonFiniteLossError, TrainingError, TrainingInterrupted, train

__all__ = ["FusedAdam", "NonFiniteLossError", "RECIPES", "TrainConfig", "TrainingError", "TrainingInterrupted", "train"]
