"""Building a localization index: the reference descriptors of a split with their positions and ids."""

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from cvgeo.data import dataset_spec, load_split
from cvgeo.data.pair_inputs import reference_input
from cvgeo.inference.input_options import evaluation_input_options
from cvgeo.errors import CvgeoError
from cvgeo.inference.localization_index import LocalizationIndex
from cvgeo.inference.trained_model import load_trained_model
from cvgeo.models import CrossViewModel


def build_index(
    model: CrossViewModel,
    examples: tf.data.Dataset,
    *,
    coordinates: str | None = None,
    batch_size: int | None = None,
    progress: bool = True,
    metadata: dict | None = None,
) -> LocalizationIndex:
    """Reference descriptors of every example (its aerial image) with its position and id.

    Args:
      coordinates: the feature holding planar positions in metres, copied to the index's `xy`.
      batch_size: images per forward pass; the model's `embed_batch_size` when None.
      metadata: where the references come from (dataset, split, checkpoint), kept in the index.
    """
    options = evaluation_input_options(model)
    batch_size = batch_size or model.embed_batch_size

    def to_inputs(example):
        inputs = {"reference": reference_input(example, options)}
        for name in {coordinates, "id"} - {None}:
            if name in example:
                inputs[name] = example[name]
        return inputs

    batches = examples.map(to_inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = batches.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    total = int(batches.cardinality()) if batches.cardinality() >= 0 else None
    descriptors, positions, ids = [], [], []
    for batch in tqdm(batches, total=total, desc="indexing", unit="batch", disable=not progress, dynamic_ncols=True):
        descriptors.append(model.embed_reference(batch["reference"].numpy(), batch_size))
        if coordinates and coordinates in batch:
            positions.append(batch[coordinates].numpy())
        if "id" in batch:
            ids.append(batch["id"].numpy().astype(str))
    if not descriptors:
        raise CvgeoError("the split has no examples: nothing to index")
    return LocalizationIndex(
        descriptors=np.concatenate(descriptors), model_config=model.get_config(),
        xy=np.concatenate(positions) if positions else None, ids=np.concatenate(ids) if ids else None,
        metadata=dict(metadata or {}),
    )


def index_split(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    data_dir: str | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> LocalizationIndex:
    """The index of `split` of `dataset`, made by a training run's model or a checkpoint.

    As `describe_split`: with `run_dir` the model, its options, the dataset and the newest checkpoint
    come from the run, and any argument given overrides them; without one, `model` and `checkpoint`
    are required. The split defaults to the dataset's evaluation split.
    """
    network, config = load_trained_model(run_dir=run_dir, checkpoint=checkpoint, model=model)
    dataset = dataset or config.get("dataset") or "synthetic_crossview"
    spec = dataset_spec(dataset)
    split = split or spec.eval_split
    examples = load_split(dataset, split, data_dir=data_dir or config.get("data_dir"), tfds_dir=config.get("tfds_dir"))
    return build_index(network, examples, coordinates=spec.coordinates, batch_size=batch_size, progress=progress,
                       metadata={"dataset": dataset, "split": split, "checkpoint": checkpoint or run_dir})
