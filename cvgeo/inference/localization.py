"""Localizing ground photos: their top-K references in an index, with location and similarity."""

from collections.abc import Sequence

import numpy as np

from cvgeo.errors import CvgeoError
from cvgeo.evaluation import search
from cvgeo.inference.localization_index import LocalizationIndex
from cvgeo.inference.query_images import read_query_images
from cvgeo.inference.trained_model import load_trained_model
from cvgeo.models import CrossViewModel


def localize(model: CrossViewModel, index: LocalizationIndex, images: np.ndarray, k: int = 5) -> list[list[dict]]:
    """Top-k references for each query image: rank, reference index, similarity, location and id.

    `images` are RGB [N, H, W, 3] at the model's query size; each answer is a list of k dicts with
    `rank`, `reference`, `similarity` and, when the index has them, `id`, `x`/`y` and `lat`/`lon`.
    """
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


def localize_files(
    index_path: str,
    image_paths: Sequence[str],
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    model: str | None = None,
    top_k: int = 5,
) -> list[list[dict]]:
    """`localize` for image files against the index file `index_path`.

    The network is the index's (its `model_config`); its weights come from `checkpoint`, else the
    newest checkpoint of `run_dir`. `model`, if given, must be the index's network. The index and the
    images are read before the network is built, so a bad path fails in a moment.
    """
    if not image_paths:
        raise CvgeoError("no query image given: pass one or more image files")
    index = LocalizationIndex.load(index_path)
    family = index.model_config.get("family")
    if model and model != family:
        raise CvgeoError(f"index {index_path} was built with {family}, so --model={model} cannot embed its queries")
    images = read_query_images(image_paths, tuple(index.model_config["query_shape"]))
    network, _ = load_trained_model(run_dir=run_dir, checkpoint=checkpoint, model_config=index.model_config)
    return localize(network, index, images, top_k)


def format_answers(paths: Sequence[str], answers: list[list[dict]]) -> str:
    """A human-readable table of `localize`'s answers, one block per image."""
    lines = []
    for path, candidates in zip(paths, answers):
        lines.append(path)
        for c in candidates:
            where = (f"lat {c['lat']:.6f} lon {c['lon']:.6f}" if "lat" in c else
                     f"x {c['x']:.1f} y {c['y']:.1f}" if "x" in c else "no location")
            label = f" ({c['id']})" if "id" in c else ""
            lines.append(f"  {c['rank']:3d}. reference {c['reference']}{label}: {where}, similarity {c['similarity']:.4f}")
    return "\n".join(lines)
