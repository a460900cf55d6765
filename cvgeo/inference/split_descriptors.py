"""Descriptors of a dataset split from a trained model: what evaluate.py and validation run on."""

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from cvgeo.data import DatasetSpec, dataset_spec, load_gallery, load_split
from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.inference.gallery_descriptors import describe_query_and_gallery
from cvgeo.inference.input_options import evaluation_input_options
from cvgeo.inference.trained_model import load_trained_model
from cvgeo.models import CrossViewModel


def describe_examples(
    model: CrossViewModel,
    examples: tf.data.Dataset,
    *,
    coordinates: str | None = None,
    batch_size: int | None = None,
    max_pairs: int | None = None,
    progress: bool = True,
    options: PairInputOptions | None = None,
) -> Descriptors:
    """Query and reference descriptors of every pair in `examples`, in order (row i is pair i).

    Args:
      coordinates: the feature holding planar positions in metres, copied to `query_xy` and
        `reference_xy` (a pair's ground and aerial image share their position).
      batch_size: images per forward pass; the model's `embed_batch_size` when None (OriCNN's batch
        statistics make it matter).
      max_pairs: describe only the first `max_pairs` pairs.
      options: how the inputs are prepared (training-only parts are dropped); the model's original
        evaluation preprocessing when None.
    """
    if max_pairs is not None:
        examples = examples.take(max_pairs)
    batch_size = batch_size or model.embed_batch_size
    options = options or evaluation_input_options(model)
    batches = pair_pipeline(examples, options, batch_size=batch_size, training=False)
    query, reference, positions, ids = [], [], [], []
    total = int(batches.cardinality()) if batches.cardinality() >= 0 else None
    for batch in tqdm(batches, total=total, desc="describing", unit="batch", disable=not progress, dynamic_ncols=True):
        query.append(model.embed_query(batch["query"], batch_size))
        reference.append(model.embed_reference(batch["reference"], batch_size))
        if coordinates and coordinates in batch:
            positions.append(batch[coordinates].numpy())
        if "id" in batch:
            ids.append(batch["id"].numpy().astype(str))
    xy = np.concatenate(positions) if positions else None
    names = np.concatenate(ids) if ids else None
    return Descriptors(
        query=np.concatenate(query), reference=np.concatenate(reference),
        query_xy=xy, reference_xy=xy, query_ids=names, reference_ids=names,
    )


def describe_split(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    batch_size: int | None = None,
    max_pairs: int | None = None,
    polar_png_stretch: bool | None = None,
) -> tuple[Descriptors, DatasetSpec]:
    """Descriptors of `split` of `dataset` from a training run or a checkpoint, and the dataset's spec
    (its `protocol` is how they are evaluated).

    With `run_dir` (a folder written by train.py) the model, its options, the dataset and the newest
    checkpoint come from the run; any argument given overrides them. Without a run, `model` and
    `checkpoint` are required and the model is built at its native input size. Inputs are prepared as
    the run trained, or as the original evaluated (`evaluation_input_options`); `polar_png_stretch`
    overrides whether polar images get the stretch of SAFA's published PNGs. A dataset with a
    gallery (VIGOR, CrossLocate) has the split's queries described and its whole gallery as the
    references, with the metadata its protocol reads; `max_pairs` then limits the queries.
    """
    network, config = load_trained_model(run_dir=run_dir, checkpoint=checkpoint, model=model)
    examples, spec = split_examples(config, dataset=dataset, split=split, data_dir=data_dir, tfds_dir=tfds_dir)
    options = evaluation_input_options(network, config, polar_png_stretch=polar_png_stretch)
    if spec.gallery:
        gallery = load_gallery(
            dataset_name(config, dataset), split or spec.eval_split,
            data_dir=data_dir or config.get("data_dir"), tfds_dir=tfds_dir or config.get("tfds_dir"),
        )
        descriptors = describe_query_and_gallery(
            network, examples, gallery, options=options, batch_size=batch_size, max_queries=max_pairs
        )
    else:
        descriptors = describe_examples(
            network, examples, coordinates=spec.coordinates, batch_size=batch_size, max_pairs=max_pairs,
            options=options,
        )
    return descriptors, spec


def split_examples(
    run_config: dict,
    *,
    dataset: str | None = None,
    split: str | None = None,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
) -> tuple[tf.data.Dataset, DatasetSpec]:
    """The examples of the split to describe and its dataset's spec: the arguments given, else the
    run's dataset (synthetic_crossview without a run) and its evaluation split."""
    dataset = dataset_name(run_config, dataset)
    spec = dataset_spec(dataset)
    examples = load_split(
        dataset, split or spec.eval_split,
        data_dir=data_dir or run_config.get("data_dir"), tfds_dir=tfds_dir or run_config.get("tfds_dir"),
    )
    return examples, spec


def dataset_name(run_config: dict, dataset: str | None = None) -> str:
    """The dataset to describe: `dataset`, else the run's, else synthetic_crossview."""
    return dataset or run_config.get("dataset") or "synthetic_crossview"


def pair_images(examples: tf.data.Dataset, rows: set[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """(ground, aerial) uint8 images of the examples at `rows` (in a paired split, query i and
    reference i are example i), read in one pass that stops after the last row."""
    images = {}
    for index, example in enumerate(examples.take(max(rows) + 1)):
        if index in rows:
            images[index] = (example["ground"].numpy(), example["aerial"].numpy())
    return images
