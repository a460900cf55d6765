"""One task per training method (see `task.Task`); `TASKS` maps a recipe's `task` to its class."""

import tensorflow as tf

from cvgeo.errors import CvgeoError
from cvgeo.training.config import TrainConfig
from cvgeo.training.tasks.siamese import SiameseTask
from cvgeo.training.tasks.task import Task
from cvgeo.training.tasks.toker import TokerTask

TASKS: dict[str, type[Task]] = {
    "siamese": SiameseTask,
    "toker": TokerTask,
}


def make_task(config: TrainConfig, strategy: tf.distribute.Strategy | None = None) -> Task:
    """The task `config.task` for this run (on `strategy`'s replicas), or CvgeoError listing the valid names."""
    if config.task not in TASKS:
        raise CvgeoError(f"unknown task {config.task!r}; available tasks: {', '.join(sorted(TASKS))}")
    return TASKS[config.task](config, strategy)


__all__ = ["TASKS", "SiameseTask", "Task", "TokerTask", "make_task"]
