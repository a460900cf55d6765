"""Per-epoch validation: retrieval recall of the current model on the evaluation split."""

from collections.abc import Callable

import keras
from tqdm import tqdm

from cvgeo.data import dataset_spec, load_split
from cvgeo.inference.split_descriptors import describe_examples
from cvgeo.evaluation.paired_protocol import evaluate_paired
from cvgeo.training.config import TrainConfig
from cvgeo.training.tasks import make_task


def make_validator(config: TrainConfig) -> Callable[[keras.Model, int], dict]:
    """A function (model, epoch) -> {"recall@1": …, "recall@1%": …} on the run's evaluation split.

    The split is opened once; `config.eval_max_pairs` bounds how many pairs are described. Inputs
    are prepared as the task trains on them, without augmentation.
    """
    options = make_task(config).input_options()
    spec = dataset_spec(config.dataset)
    examples = load_split(
        config.dataset, config.eval_split or spec.eval_split,
        data_dir=config.data_dir, tfds_dir=config.tfds_dir, skip_corrupt=config.skip_corrupt,
    )

    def validate(model: keras.Model, epoch: int) -> dict:
        descriptors = describe_examples(
            model, examples, max_pairs=config.eval_max_pairs, progress=False, options=options
        )
        metrics = evaluate_paired(descriptors).metrics
        tqdm.write(
            f"validation after epoch {epoch}: " + ", ".join(
                f"{k} {metrics[k]:.2f}" for k in ("recall@1", "recall@5", "recall@10", "recall@1%")
            ) + f" ({metrics['num_queries']} pairs)"
        )
        return metrics

    return validate
