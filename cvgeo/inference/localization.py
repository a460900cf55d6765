"""Localizing ground photos: their top-K references in an index, with location and similarity."""

from collections.abc import Sequence

import numpy as np

from cvgeo.errors import CvgeoError
from cvgeo.evaluation import search
from cvgeo.inference.localization_index import LocalizationIndex
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
