"""`TrainConfig`: everything a training run depends on (the recipes in `recipes.py` fill it)."""

import dataclasses
from dataclasses import dataclass, field
import json

# Small inputs for CPU runs on the synthetic dataset (native CVUSA sizes are 224x1232 and 512x512).
SMALL_QUERY_SHAPE = (32, 128)
SMALL_REFERENCE_SHAPE = (64, 64)


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; written as `config.json` beside its checkpoints.

    The defaults are CVM-Net's (`train.py` of the original): Adam lr 1e-5 (beta 0.9 / 0.999,
    epsilon 1e-8), batch 12, soft-margin triplet loss with alpha 10, on the synthetic dataset at small
    image sizes so that a plain `python train.py` runs on a CPU.
    """

    model: str = "cvm_net_i"
    task: str = "siamese"  # a key of cvgeo.training.tasks.TASKS
    model_options: dict = field(
        default_factory=lambda: {"query_shape": SMALL_QUERY_SHAPE, "reference_shape": SMALL_REFERENCE_SHAPE}
    )
    dataset: str = "synthetic_crossview"
    data_dir: str | None = None
    tfds_dir: str | None = None
    skip_corrupt: bool = False
    train_split: str | None = None  # the dataset's default when None
    eval_split: str | None = None
    aerial_crop_rotate: bool = False  # CVM-Net/OriCNN aerial augmentation (centred crop, quarter turn)
    ground_shift: bool = False  # OriCNN's circular panorama shift
    batch_size: int = 12
    learning_rate: float = 1e-5
    beta_1: float = 0.9  # Adam, as every TF1 original (tf.train.AdamOptimizer defaults)
    beta_2: float = 0.999
    epsilon: float = 1e-8
    epochs: int = 1
    passes_per_epoch: int = 1  # passes over the train split between checkpoints / validations
    max_steps: int | None = None
    alpha: float = 10.0
    include_diagonal: bool = True
    positive_radius: float | None = None  # metres; OriCNN's CVACT loss mask (25) when set
    task_options: dict = field(default_factory=dict)  # what only one task reads (e.g. an STN's L1 weight)
    seed: int = 0
    output_dir: str = "runs/default"
    init_weights: str | None = None
    eval_max_pairs: int | None = None  # validate on the first N pairs of the eval split (all when None)
    checkpoint_every_steps: int | None = None  # also checkpoint every N steps (None: at epoch ends only)
    deterministic: bool = False  # deterministic TF kernels: a resumed run ends bit-identical to an uninterrupted one
    mixed_precision: str | None = None  # "bf16" or "fp16" (with dynamic loss scaling); None: float32
    jit_compile: bool = False  # compile the train step with XLA
    strategy: str = "default"  # "default" (one device), "mirrored" (local devices) or "multi_worker" (TF_CONFIG)
    cpu_devices: int | None = None  # split the host CPU into N logical devices (mirrored without a GPU)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with `changes` applied; None values mean "keep" (unset flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        values = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        options = values.get("model_options", {})
        for key in ("query_shape", "reference_shape"):
            if key in options:
                options[key] = tuple(options[key])
        return cls(**{k: v for k, v in values.items() if k in known})
