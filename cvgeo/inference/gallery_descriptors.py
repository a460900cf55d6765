"""Descriptors of a query split and its gallery from a trained model (VIGOR, CrossLocate).

These datasets do not pair each query with one reference: VIGOR ranks every panorama against all the
satellite tiles of its cities, CrossLocate every photo against all the database views of its split.
The queries and the gallery are described once each, and their metadata (positions, headings,
VIGOR's positive and semi-positive tile indices, ids) travel with them to the protocol.
"""

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from cvgeo.data.pair_inputs import PairInputOptions, ground_input, reference_input
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.errors import CvgeoError
from cvgeo.models import CrossViewModel

# Dataset feature -> Descriptors field, per side. Positions are WGS84 lat/lon: the protocols' default
# (VIGOR's great circle, CrossLocate's geodesic); CrossLocate's UTM stays out so they do not switch
# to planar distances.
QUERY_FIELDS = {
    "latlon": "query_latlon",
    "yaw": "query_yaw",
    "positive_index": "positive",
    "semi_positive_indices": "semi_positives",
    "id": "query_ids",
}
GALLERY_FIELDS = {"latlon": "reference_latlon", "yaw": "reference_yaw", "id": "reference_ids"}


def describe_query_and_gallery(
    model: CrossViewModel,
    queries: tf.data.Dataset,
    gallery: tf.data.Dataset,
    *,
    options: PairInputOptions,
    batch_size: int | None = None,
    max_queries: int | None = None,
    progress: bool = True,
) -> Descriptors:
    """Query descriptors of every example of `queries` (its `ground` image) and reference descriptors
    of every example of `gallery` (its `aerial` image, or the polar transform of it), in order.

    Args:
      options: how the inputs are prepared; augmentations are dropped.
      batch_size: images per forward pass; the model's `embed_batch_size` when None.
      max_queries: describe only the first `max_queries` queries (the gallery stays whole, since
        the queries' tile indices count in it).
    """
    batch_size = batch_size or model.embed_batch_size
    options = options.for_evaluation()
    if max_queries is not None:
        queries = queries.take(max_queries)
    query, query_metadata = _describe(
        queries, lambda example: ground_input(example["ground"], options), model.embed_query, QUERY_FIELDS,
        batch_size, "describing queries", progress,
    )
    reference, gallery_metadata = _describe(
        gallery, lambda example: reference_input(example, options), model.embed_reference, GALLERY_FIELDS,
        batch_size, "describing gallery", progress,
    )
    return Descriptors(query=query, reference=reference, **query_metadata, **gallery_metadata)


def _describe(examples, to_input, embed, fields: dict, batch_size: int, label: str, progress: bool):
    """Descriptors [N, D] of one side and its metadata arrays by Descriptors field name."""

    def inputs(example):
        return {"image": to_input(example), **{name: example[name] for name in fields if name in example}}

    batches = examples.map(inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = batches.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    total = int(batches.cardinality()) if batches.cardinality() >= 0 else None
    descriptors, metadata = [], {}
    for batch in tqdm(batches, total=total, desc=label, unit="batch", disable=not progress, dynamic_ncols=True):
        descriptors.append(embed(batch["image"].numpy(), batch_size))
        for name, field in fields.items():
            if name in batch:
                value = batch[name].numpy()
                metadata.setdefault(field, []).append(value.astype(str) if value.dtype == object else value)
    if not descriptors:
        raise CvgeoError(f"{label}: the split has no examples")
    return np.concatenate(descriptors), {field: np.concatenate(values) for field, values in metadata.items()}
