"""The Siamese soft-margin task: CVM-Net-I / II, OriCNN, SAFA and SAFA's STN variants.

Two branches, the weighted soft-margin triplet loss over every in-batch negative in both directions
(CVM-Net `cvm_net.py` compute_loss; OriCNN and SAFA reuse it), one Adam. OriCNN on CVACT masks pairs
closer than 25 m (`positive_radius`); the STN variants add an L1 term between the transformed aerial
and the polar image (Realistic `utils/model_wrapper.py`).
"""

import tensorflow as tf

from cvgeo.data import dataset_spec
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.losses import soft_margin_triplet_loss
from cvgeo.models import build, model_spec
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.tasks.task import Task
from cvgeo.training.train_step import make_train_step


class SiameseTask(Task):
    """Two-branch retrieval trained with in-batch soft-margin triplets and Adam."""

    def build(self) -> None:
        config = self.config
        self._model = build(config.model, **config.model_options)
        if config.init_weights:
            from cvgeo.checkpoints import load_imagenet_vgg16

            load_imagenet_vgg16(self._model, config.init_weights)
        self.optimizer = FusedAdam(
            config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2, epsilon=config.epsilon
        )
        self._step = make_train_step(self._model, self.optimizer, self._losses)

    @property
    def model(self) -> CrossViewModel:
        return self._model

    def checkpoint_items(self) -> dict:
        return {"model": self._model, "optimizer": self.optimizer}

    def input_options(self) -> PairInputOptions:
        config, spec = self.config, model_spec(self.config.model)
        shapes = config.model_options
        return PairInputOptions(
            tuple(shapes.get("query_shape", spec.query_shape)),
            tuple(shapes.get("reference_shape", spec.reference_shape)),
            spec.reference_feature,
            aerial_crop_rotate=config.aerial_crop_rotate,
            ground_shift=config.ground_shift,
            orientation_channels=spec.orientation_channels,
        )

    def train_step(self, batch: dict) -> dict[str, tf.Tensor]:
        return self._step(batch)

    def _losses(self, query: tf.Tensor, reference: tf.Tensor, batch: dict) -> dict[str, tf.Tensor]:
        config = self.config
        coordinates = dataset_spec(config.dataset).coordinates
        positions = batch.get(coordinates) if config.positive_radius and coordinates else None
        triplet = soft_margin_triplet_loss(
            query, reference, alpha=config.alpha, include_diagonal=config.include_diagonal,
            query_xy=positions, reference_xy=positions,
            **({"positive_radius": config.positive_radius} if positions is not None else {}),
        )
        return {"loss": triplet}
