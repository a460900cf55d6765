"""Per-epoch validation: retrieval recall of the current model on the evaluation split."""

from collections.abc import Callable

import keras
from tqdm import tqdm

from cvgeo.data import dataset_spec, load_gallery, load_split
from cvgeo.evaluation.protocols import evaluate_descriptors
from cvgeo.inference.gallery_descriptors import describe_query_and_gallery
from cvgeo.inference.split_descriptors import describe_examples
from cvgeo.training.config import TrainConfig
from cvgeo.training.tasks import make_task

# What the progress line shows, of the metrics the protocol gives.
_SHOWN = ("recall@1", "recall@5", "recall@10", "recall@1%", "hit_rate", "position_recall@1_20m", "position_recall@1_100m")


def make_validator(config: TrainConfig) -> Callable[[keras.Model, int], dict]:
    """A function (model, epoch) -> {"recall@1": …, "recall@1%": …} on the run's evaluation split.

    The split (and, for VIGOR and CrossLocate, its gallery) is opened once and evaluated with the
    dataset's protocol; `config.eval_max_pairs` bounds how many queries are described. Inputs are
    prepared as the task trains on them, without augmentation.
    """
    options = make_task(config).input_options()
    spec = dataset_spec(config.dataset)
    split = config.eval_split or spec.eval_split
    opened = dict(data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt)
    examples = load_split(config.dataset, split, **opened)
    gallery = load_gallery(config.dataset, split, **opened) if spec.gallery else None

    def validate(model: keras.Model, epoch: int) -> dict:
        if gallery is None:
            descriptors = describe_examples(model, examples, max_pairs=config.eval_max_pairs, progress=False, options=options)
        else:
            descriptors = describe_query_and_gallery(
                model, examples, gallery, options=options, max_queries=config.eval_max_pairs, progress=False
            )
        metrics = evaluate_descriptors(descriptors, spec.protocol).metrics
        tqdm.write(
            f"validation after epoch {epoch}: "
            + ", ".join(f"{key} {metrics[key]:.2f}" for key in _SHOWN if key in metrics)
            + f" ({metrics['num_queries']} queries)"
        )
        return metrics

    return validate
