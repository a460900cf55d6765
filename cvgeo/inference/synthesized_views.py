"""Street views synthesised by a trained Toker model, written as PNGs beside the real panoramas.

The original has no synthesis script (aysim/comingdowntoearth issue #8); each PNG here stacks the
model's inputs and output at the model's size: polar aerial (top), synthesised street view (middle),
real street panorama (bottom).
"""

import os

import numpy as np
import tensorflow as tf

from cvgeo.data.pair_pipeline import pair_pipeline
from cvgeo.errors import CvgeoError
from cvgeo.inference.input_options import evaluation_input_options
from cvgeo.inference.split_descriptors import split_examples
from cvgeo.inference.trained_model import load_trained_model

SYNTHESIZED_SUBDIR = "synthesized"


def to_uint8(signed: np.ndarray) -> np.ndarray:
    """[-1, 1] images -> uint8 0..255 (the inverse of Normalize(0.5, 0.5) after ToTensor), clipped and rounded."""
    return np.clip(np.round((np.asarray(signed, np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def write_synthesized_views(
    run_dir: str,
    count: int,
    *,
    checkpoint: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    data_dir: str | None = None,
    output_dir: str | None = None,
) -> list[str]:
    """Writes the first `count` pairs of `split` as `<output_dir>/<index>_<id>.png`; returns the paths.

    `output_dir` defaults to `<run_dir>/synthesized`. The model, its weights and the dataset come
    from the run unless given (as `evaluate.py --run_dir`).
    """
    model, config = load_trained_model(run_dir=run_dir, checkpoint=checkpoint)
    if not hasattr(model, "synthesize"):
        raise CvgeoError(f"{model.name} has no generator: only toker runs synthesise street views")
    examples, _ = split_examples(config, dataset=dataset, split=split, data_dir=data_dir)
    options = evaluation_input_options(model, config)
    folder = output_dir or os.path.join(run_dir, SYNTHESIZED_SUBDIR)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for batch in pair_pipeline(examples.take(count), options, batch_size=min(count, 32), training=False):
        fake = to_uint8(model.synthesize(batch["reference"].numpy()))
        polar = np.clip(np.round(batch["reference"].numpy()), 0, 255).astype(np.uint8)
        street = np.clip(np.round(batch["query"].numpy()), 0, 255).astype(np.uint8)
        ids = batch["id"].numpy().astype(str) if "id" in batch else [""] * len(fake)
        for row in range(len(fake)):
            name = f"{len(paths):05d}_{os.path.basename(ids[row])}".rstrip("_").replace(os.sep, "_")
            path = os.path.join(folder, os.path.splitext(name)[0] + ".png")
            tf.io.write_file(path, tf.io.encode_png(np.concatenate([polar[row], fake[row], street[row]], axis=0)))
            paths.append(path)
    return paths
