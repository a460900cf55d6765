"""Localize ground photos against an index of geo-tagged reference descriptors.

    python localize.py build-index --run_dir=runs/demo --output=index.npz [--dataset=... --split=...]
    python localize.py --index=index.npz [--run_dir=... | --model=NAME --checkpoint=PATH] IMAGE...

The index stores the reference descriptors, their locations and the model (name and input sizes) that
made them; localizing embeds each query image with that model and prints the top-K references with
their location and similarity (`--json` for machines).
"""

import json
import sys

from absl import app, flags

FLAGS = flags.FLAGS
BUILD_INDEX = "build-index"


def define_flags() -> None:
    """Every flag of localize.py; all optional."""
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
    """Builds the index the flag values describe and writes it; returns its path."""
    from cvgeo.errors import CvgeoError

    output = values.output or values.index
    if not output:
        raise CvgeoError(f"{BUILD_INDEX} needs --output=FILE.npz (or --index) for the index it writes")
    from cvgeo.inference import index_split

    index = index_split(
        run_dir=values.run_dir, checkpoint=values.checkpoint, model=values.model, dataset=values.dataset,
        split=values.split, data_dir=values.data_dir, batch_size=values.batch_size,
    )
    index.save(output)
    print(f"Index of {len(index.descriptors)} references written to {output}")
    return output


def run_localize(values, paths: list[str]) -> list[list[dict]]:
    """Localizes the images at `paths` as the flag values say and prints the answers."""
    from cvgeo.errors import CvgeoError

    if not values.index:
        raise CvgeoError(f"pass --index=FILE.npz (built with `python localize.py {BUILD_INDEX}`)")
    if not paths:
        raise CvgeoError("pass one or more query image files after the flags")
    from cvgeo.inference import format_answers, localize_files

    answers = localize_files(values.index, paths, run_dir=values.run_dir, checkpoint=values.checkpoint,
                             model=values.model, top_k=values.top_k)
    print(json.dumps([{"image": p, "candidates": a} for p, a in zip(paths, answers)], indent=2)
          if values.json else format_answers(paths, answers))
    return answers


def main(argv) -> int:
    from cvgeo.errors import CvgeoError

    try:
        if len(argv) > 1 and argv[1] == BUILD_INDEX:
            if len(argv) > 2:
                raise CvgeoError(f"{BUILD_INDEX} takes only flags, got {argv[2:]}")
            run_build_index(FLAGS)
        else:
            run_localize(FLAGS, argv[1:])
    except CvgeoError as error:
        print(f"localize.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)))
