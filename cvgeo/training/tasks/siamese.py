"""The Siamese soft-margin task: CVM-Net-I / II, OriCNN, SAFA and SAFA's STN variants.

Two branches, the weighted soft-margin triplet loss over every in-batch negative in both directions
(CVM-Net `cvm_net.py` compute_loss; OriCNN and SAFA reuse it), one Adam. OriCNN on CVACT masks pairs
closer than 25 m (`positive_radius`); the STN variants add `stn_l1_weight` times the mean absolute
difference between the warped aerial and the polar image, both normalised as the network's inputs
(Realistic `utils/model_wrapper.py`: lambda_L1 = 1).
"""

import keras
import tensorflow as tf

from cvgeo.data import dataset_spec
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.errors import CvgeoError
from cvgeo.losses import soft_margin_triplet_loss
from cvgeo.models import build, model_spec
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.training.fused_adam import FusedAdam
from cvgeo.training.tasks.task import Task
from cvgeo.training.train_step import StepResult, make_train_step

TASK_OPTIONS = {
    "stn_l1_weight", "ground_interpolation", "aerial_interpolation", "joint_flip", "reference_feature",
    "round_resized", "learning_rate_decay",
}


class SiameseTask(Task):
    """Two-branch retrieval trained with in-batch soft-margin triplets and Adam.

    task_options: `stn_l1_weight` (STN models: weight of the L1 term, 0 = none), `ground_interpolation`
    and `aerial_interpolation` ("area" / "cubic"), `joint_flip` (the STN recipes' CVUSA augmentation),
    `reference_feature` ("aerial" / "polar": what the reference branch sees, when not the model's
    usual, e.g. SAFA on VIGOR's off-centre tiles), `round_resized` (False: VIGOR's float resize) and
    `learning_rate_decay` ({"steps": S, "rate": r}: the rate times r ** (step / S), continuous, as
    TF1's `exponential_decay` without staircase).
    """

    def __init__(self, config, strategy=None):
        super().__init__(config, strategy)
        unknown = sorted(set(config.task_options) - TASK_OPTIONS)
        if unknown:
            raise CvgeoError(f"task 'siamese' has no option {', '.join(unknown)}; its options: {', '.join(sorted(TASK_OPTIONS))}")
        self.l1_weight = float(config.task_options.get("stn_l1_weight", 0.0))

    def build(self) -> None:
        config = self.config
        self._model = build(config.model, **config.model_options)
        if self.l1_weight and not hasattr(self._model, "with_transformed_reference"):
            raise CvgeoError(f"stn_l1_weight needs a model with a spatial transformer; {config.model} has none")
        if config.init_weights:
            self._load_imagenet(config.init_weights)
        self.optimizer = self.precision_optimizer(FusedAdam(
            self._learning_rate(), beta_1=config.beta_1, beta_2=config.beta_2, epsilon=config.epsilon
        ))
        forward = None
        if self.l1_weight:
            forward = lambda batch: self._model.with_transformed_reference(  # noqa: E731
                (batch["query"], batch["reference"]), training=True
            )
        self._step = make_train_step(
            self._model, self.optimizer, self._losses, forward, jit_compile=config.jit_compile, strategy=self.strategy
        )

    def _learning_rate(self) -> float | keras.optimizers.schedules.LearningRateSchedule:
        decay = self.config.task_options.get("learning_rate_decay")
        if not decay:
            return self.config.learning_rate
        if set(decay) != {"steps", "rate"} or not decay["steps"] > 0 or not decay["rate"] > 0:
            raise CvgeoError(f"learning_rate_decay must be {{'steps': S > 0, 'rate': r > 0}}, got {decay!r}")
        return keras.optimizers.schedules.ExponentialDecay(
            self.config.learning_rate, decay_steps=decay["steps"], decay_rate=decay["rate"], staircase=False
        )

    def _load_imagenet(self, path: str) -> None:
        backbone = model_spec(self.config.model).imagenet_backbone
        if backbone is None:
            raise CvgeoError(f"--init_weights: {self.config.model} trains from scratch in the original; it has no ImageNet backbone")
        from cvgeo.checkpoints import load_imagenet_resnet34, load_imagenet_vgg16

        (load_imagenet_resnet34 if backbone == "resnet34" else load_imagenet_vgg16)(self._model, path)

    @property
    def model(self) -> CrossViewModel:
        return self._model

    def checkpoint_items(self) -> dict:
        return {"model": self._model, "optimizer": self.optimizer}

    def input_options(self) -> PairInputOptions:
        config, spec = self.config, model_spec(self.config.model)
        shapes = config.model_options
        query_shape = tuple(shapes.get("query_shape", spec.query_shape))
        return PairInputOptions(
            query_shape,
            tuple(shapes.get("reference_shape", spec.reference_shape)),
            config.task_options.get("reference_feature", spec.reference_feature),
            aerial_crop_rotate=config.aerial_crop_rotate,
            ground_shift=config.ground_shift,
            orientation_channels=spec.orientation_channels,
            ground_interpolation=config.task_options.get("ground_interpolation", "area"),
            aerial_interpolation=config.task_options.get("aerial_interpolation", "area"),
            # The warped aerial has the panorama's size unless the model says otherwise.
            polar_target_shape=tuple(shapes.get("transform_shape", query_shape)) if self.l1_weight else None,
            joint_flip=bool(config.task_options.get("joint_flip", False)),
            round_resized=bool(config.task_options.get("round_resized", True)),
        )

    def train_step(self, batch: dict) -> StepResult:
        return self._step(batch)

    def _losses(self, query: tf.Tensor, reference: tf.Tensor, *rest) -> dict[str, tf.Tensor]:
        *warped, batch = rest
        config = self.config
        coordinates = dataset_spec(config.dataset).coordinates
        positions = batch.get(coordinates) if config.positive_radius and coordinates else None
        triplet = soft_margin_triplet_loss(
            query, reference, alpha=config.alpha, include_diagonal=config.include_diagonal,
            query_xy=positions, reference_xy=positions,
            **({"positive_radius": config.positive_radius} if positions is not None else {}),
        )
        if not warped:
            return {"loss": triplet}
        target = self._model.normalize(batch["polar"])
        l1 = tf.reduce_mean(tf.abs(warped[0] - target))
        return {"loss": triplet + self.l1_weight * l1, "triplet": triplet, "l1": l1}
