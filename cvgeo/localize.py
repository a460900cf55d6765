"""Localize ground images against an index of geo-tagged reference descriptors.

    python -m cvgeo.localize build-index --run_dir=runs/demo --output=index.npz [--dataset=... --split=...]
    python -m cvgeo.localize --index=index.npz [--run_dir=... | --model=NAME --checkpoint=PATH] IMAGE...

The index stores the reference descriptors, their locations and the model (name and input sizes) that
made them; localizing embeds each query image with that model and prints the top-K references with
their location and similarity (`--json` for machines).
"""

import json
import os
import sys
from collections.abc import Sequence

import numpy as np

from cvgeo.errors import CvgeoError
from cvgeo.localization_index import LocalizationIndex


def build_index(model, examples, *, coordinates: str | None = None, batch_size: int | None = None,
                progress: bool = True, metadata: dict | None = None) -> LocalizationIndex:
    """Reference descriptors of every example (its aerial image) with its position and id."""
    import tensorflow as tf
    from tqdm import tqdm

    from cvgeo.data.pair_pipeline import resize_area
    from cvgeo.models import model_spec

    feature = model_spec(model.name).reference_feature
    batch_size = batch_size or model.embed_batch_size

    def to_inputs(example):
        inputs = {"reference": resize_area(example[feature], model.reference_shape)}
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
        descriptors=np.concatenate(descriptors), xy=np.concatenate(positions) if positions else None,
        ids=np.concatenate(ids) if ids else None,
        metadata={"model": model.name, "query_shape": list(model.query_shape),
                  "reference_shape": list(model.reference_shape), "descriptor_dim": model.descriptor_dim,
                  **(metadata or {})},
    )


def read_query_images(paths: Sequence[str], shape: tuple[int, int]) -> np.ndarray:
    """RGB images [N, H, W, 3] uint8 at the model's query size (area resampling, like the originals' INTER_AREA)."""
    import cv2

    images = []
    for path in paths:
        image = cv2.imread(path, cv2.IMREAD_COLOR) if os.path.isfile(path) else None
        if image is None:
            raise CvgeoError(f"cannot read image {path}: not a file or not a decodable image")
        image = cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        images.append(image[:, :, ::-1])
    return np.stack(images)


def localize(model, index: LocalizationIndex, images: np.ndarray, k: int = 5) -> list[list[dict]]:
    """Top-k references for each query image: rank, reference index, similarity, location and id."""
    from cvgeo.evaluation import search

    if index.descriptors.shape[1] != model.descriptor_dim:
        raise CvgeoError(f"the index holds {index.descriptors.shape[1]}-d descriptors but {model.name} "
                         f"makes {model.descriptor_dim}-d ones: rebuild the index with this model")
    result = search(model.embed_query(images), index.descriptors, k=k)
    answers = []
    for row_indices, row_similarities in zip(result.top_indices, result.top_similarities):
        candidates = []
        for rank, (reference, similarity) in enumerate(zip(row_indices, row_similarities), start=1):
            candidate = {"rank": rank, "reference": int(reference), "similarity": float(similarity)}
            if index.ids is not None:
                candidate["id"] = str(index.ids[reference])
            if index.xy is not None:
                candidate["x"], candidate["y"] = (float(v) for v in index.xy[reference][:2])
            if index.latlon is not None:
                candidate["lat"], candidate["lon"] = (float(v) for v in index.latlon[reference][:2])
            candidates.append(candidate)
        answers.append(candidates)
    return answers


def format_answers(paths: Sequence[str], answers: list[list[dict]]) -> str:
    """A human-readable table per image."""
    lines = []
    for path, candidates in zip(paths, answers):
        lines.append(path)
        for c in candidates:
            where = (f"lat {c['lat']:.6f} lon {c['lon']:.6f}" if "lat" in c else
                     f"x {c['x']:.1f} y {c['y']:.1f}" if "x" in c else "no location")
            label = f" ({c['id']})" if "id" in c else ""
            lines.append(f"  {c['rank']:3d}. reference {c['reference']}{label}: {where}, similarity {c['similarity']:.4f}")
    return "\n".join(lines)


def define_flags() -> None:
    """Every flag of `python -m cvgeo.localize`; all optional."""
    from absl import flags

    flags.DEFINE_string("index", None, "Index file (.npz) to search, or where build-index writes it (--output).")
    flags.DEFINE_string("output", None, "build-index: the index file to write (default: --index).")
    flags.DEFINE_string("model", None, "Network name (with --checkpoint); default: the run's or the index's.")
    flags.DEFINE_string("checkpoint", None, "Checkpoint to load (TF1 or native).")
    flags.DEFINE_string("run_dir", None, "Training run whose model and newest checkpoint to use.")
    flags.DEFINE_string("dataset", None, "build-index: dataset (default: the run's, else synthetic_crossview).")
    flags.DEFINE_string("split", None, "build-index: split to index (default: the dataset's evaluation split).")
    flags.DEFINE_string("data_dir", None, "build-index: folder holding a manually downloaded dataset.")
    flags.DEFINE_integer("batch_size", None, "Images per forward pass.")
    flags.DEFINE_integer("top_k", 5, "Candidates printed per query image.")
    flags.DEFINE_bool("json", False, "Print JSON instead of a table.")


def run_build_index(values) -> str:
    output = values.output or values.index
    if not output:
        raise CvgeoError("build-index needs --output=FILE.npz (or --index) for the index it writes")
    from cvgeo.data import dataset_spec, load_split
    from cvgeo.trained_model import load_trained_model

    model, config = load_trained_model(run_dir=values.run_dir, checkpoint=values.checkpoint, model=values.model)
    dataset = values.dataset or config.get("dataset") or "synthetic_crossview"
    spec = dataset_spec(dataset)
    split = values.split or spec.eval_split
    examples = load_split(dataset, split, data_dir=values.data_dir or config.get("data_dir"),
                          tfds_dir=config.get("tfds_dir"))
    index = build_index(model, examples, coordinates=spec.coordinates, batch_size=values.batch_size, metadata={
        "model_options": config.get("model_options", {}), "dataset": dataset, "split": split,
        "checkpoint": values.checkpoint or values.run_dir,
    })
    index.save(output)
    print(f"Index of {len(index.descriptors)} references written to {output}")
    return output


def run_localize(values, paths: Sequence[str]) -> list[list[dict]]:
    if not values.index:
        raise CvgeoError("pass --index=FILE.npz (built with `python -m cvgeo.localize build-index`)")
    if not paths:
        raise CvgeoError("pass one or more query image files after the flags")
    index = LocalizationIndex.load(values.index)
    # Read the images before building the network, so a bad path fails fast.
    shape = tuple(index.metadata.get("query_shape", ()))
    images = read_query_images(paths, shape) if len(shape) == 2 else None
    from cvgeo.trained_model import load_trained_model

    options = {k: tuple(v) if isinstance(v, list) else v for k, v in index.metadata.get("model_options", {}).items()}
    name = values.model or (None if values.run_dir else index.metadata.get("model"))
    model, _ = load_trained_model(run_dir=values.run_dir, checkpoint=values.checkpoint, model=name,
                                  model_options=options)
    if images is None or images.shape[1:3] != model.query_shape:
        images = read_query_images(paths, model.query_shape)
    answers = localize(model, index, images, values.top_k)
    print(json.dumps([{"image": p, "candidates": a} for p, a in zip(paths, answers)], indent=2)
          if values.json else format_answers(paths, answers))
    return answers


def main(argv) -> int:
    from absl import flags

    values = flags.FLAGS
    try:
        if len(argv) > 1 and argv[1] == "build-index":
            if len(argv) > 2:
                raise CvgeoError(f"build-index takes only flags, got {argv[2:]}")
            run_build_index(values)
        else:
            run_localize(values, argv[1:])
    except CvgeoError as error:
        print(f"cvgeo.localize: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(lambda argv: sys.exit(main(argv)))
