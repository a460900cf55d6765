"""Localize ground photos against an index of geo-tagged reference descriptors.

    python localize.py build-index --run_dir=runs/demo --output=index.npz [--dataset=... --split=...]
    python localize.py --index=index.npz [--run_dir=... | --checkpoint=PATH] IMAGE...

The index stores the reference descriptors, their locations and the network that made them (its
config: family, options, input sizes); localizing embeds each query image with that network, its
weights from the run or checkpoint given, and prints the top-K references with their location and
similarity (`--json` for machines).
"""

import json
import sys

from absl import app, flags

from cvgeo import command_line
from cvgeo.errors import CvgeoError
from cvgeo.inference import run_directory
from cvgeo.inference.localization_index import LocalizationIndex
from cvgeo.inference.query_images import read_query_images
from cvgeo.registry_names import DATASET_NAMES, MODEL_NAMES

PROGRAM = "localize.py"
BUILD_INDEX = "build-index"
FLAGS = flags.FLAGS


def define_flags() -> None:
    """Every flag of localize.py; all optional."""
    flags.DEFINE_string("index", None, "Index file (.npz) to search, or where build-index writes it (--output).")
    flags.DEFINE_string("output", None, "build-index: the index file to write (default: --index).")
    flags.DEFINE_string("model", None, f"build-index: network of --checkpoint when it has no manifest, one of: "
                        f"{', '.join(MODEL_NAMES)}. Localizing always uses the index's network.")
    flags.DEFINE_string("checkpoint", None, "Checkpoint to load (TF1, native .weights.h5 or a training checkpoint).")
    flags.DEFINE_string("run_dir", None, "Training run whose model and newest checkpoint to use.")
    flags.DEFINE_string("dataset", None, f"build-index: dataset (default: the run's, else synthetic_crossview), one "
                        f"of: {', '.join(DATASET_NAMES)}.")
    flags.DEFINE_string("split", None, "build-index: split to index (default: the dataset's evaluation split).")
    flags.DEFINE_string("data_dir", None, "build-index: folder holding a manually downloaded dataset.")
    flags.DEFINE_integer("batch_size", None, "Images per forward pass.")
    flags.DEFINE_integer("top_k", 5, "Candidates printed per query image.")
    flags.DEFINE_bool("json", False, "Print JSON instead of a table.")
    command_line.require_one_of("model", MODEL_NAMES, "models")
    command_line.require_one_of("dataset", DATASET_NAMES, "datasets", config_suffix=True)
    command_line.require_at_least("batch_size", 1)
    command_line.require_at_least("top_k", 1)


def require_weights(values) -> None:
    """Without --checkpoint, --run_dir must hold a training run (checked before TensorFlow starts)."""
    if values.checkpoint:
        return
    if not values.run_dir:
        raise CvgeoError("pass --run_dir of a training run or --checkpoint with the network's weights")
    run_directory.require_config(values.run_dir)


def run_build_index(values) -> str:
    """Builds the index the flag values describe and writes it; returns its path."""
    output = values.output or values.index
    if not output:
        raise CvgeoError(f"{BUILD_INDEX} needs --output=FILE.npz (or --index) for the index it writes")
    require_weights(values)
    command_line.start_tensorflow(command_line.requested_verbosity(values))
    from cvgeo.inference.index_building import index_split

    index = index_split(
        run_dir=values.run_dir, checkpoint=values.checkpoint, model=values.model, dataset=values.dataset,
        split=values.split, data_dir=values.data_dir, batch_size=values.batch_size,
    )
    index.save(output)
    print(f"Index of {len(index.descriptors)} references written to {output}")
    return output


def run_localize(values, paths: list[str]) -> list[list[dict]]:
    """Localizes the images at `paths` as the flag values say and prints the answers.

    The index, the images and the weights' run folder are checked before TensorFlow starts.
    """
    if not values.index:
        raise CvgeoError(f"pass --index=FILE.npz (built with `python {PROGRAM} {BUILD_INDEX}`)")
    if not paths:
        raise CvgeoError("pass one or more query image files after the flags")
    index = LocalizationIndex.load(values.index)
    family = index.model_config["family"]
    if values.model and values.model != family:
        raise CvgeoError(f"--index {values.index} was built by {family}; --model={values.model} cannot embed its queries")
    images = read_query_images(paths, tuple(index.model_config["query_shape"]))
    require_weights(values)
    command_line.start_tensorflow(command_line.requested_verbosity(values))
    from cvgeo.inference.localization import format_answers, localize
    from cvgeo.inference.trained_model import load_trained_model

    network, _ = load_trained_model(run_dir=values.run_dir, checkpoint=values.checkpoint,
                                    model_config=index.model_config)
    answers = localize(network, index, images, values.top_k)
    print(json.dumps([{"image": p, "candidates": a} for p, a in zip(paths, answers)], indent=2)
          if values.json else format_answers(paths, answers))
    return answers


def main(argv) -> int:
    try:
        if len(argv) > 1 and argv[1] == BUILD_INDEX:
            if len(argv) > 2:
                raise CvgeoError(f"{BUILD_INDEX} takes only flags, got {argv[2:]}")
            run_build_index(FLAGS)
        else:
            run_localize(FLAGS, argv[1:])
    except CvgeoError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return command_line.USAGE_ERROR_EXIT
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=command_line.flags_parser(PROGRAM))
