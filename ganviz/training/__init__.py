"""Training: config, the one loop for every objective, the background worker, checkpoints."""

from ganviz.training.config import STRUCTURAL, TrainConfig
from ganviz.training.trainer import Trainer, TrainingDiverged, pick_device

__all__ = ["STRUCTURAL", "TrainConfig", "Trainer", "TrainingDiverged", "pick_device"]
