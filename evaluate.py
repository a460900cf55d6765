"""Evaluate retrieval: `python evaluate.py` (a training run) or `python evaluate.py --descriptors=FILE`.

Descriptor mode evaluates pre-extracted descriptors (.npz with `query`/`reference` and optional
metadata, or OriCNN's .mat) with any protocol. Model mode describes a split with a run's newest (or a
given) checkpoint first. Both print a table and write the metrics as JSON.
"""

import json
import os
import sys

from absl import app, flags

from cvgeo import command_line
from cvgeo.errors import CvgeoError
from cvgeo.evaluation.exact_search import BACKENDS
from cvgeo.evaluation.protocols import PROTOCOLS
from cvgeo.evaluation.recall import DEFAULT_TOP_PERCENT_RULE, TOP_PERCENT_RULES
from cvgeo.inference import run_directory
from cvgeo.registry_names import DATASET_NAMES, MODEL_NAMES

PROGRAM = "evaluate.py"
FLAGS = flags.FLAGS
DESCRIPTOR_PROTOCOL = "cvusa"  # descriptor files carry no dataset


def define_flags() -> None:
    """Every flag of evaluate.py; all optional."""
    flags.DEFINE_string("descriptors", None, "Evaluate this descriptor file (.npz or OriCNN .mat) instead of a model.")
    flags.DEFINE_enum("protocol", None, list(PROTOCOLS), "Evaluation protocol. Default: the dataset's in model "
                      "mode (vigor for VIGOR, crosslocate for CrossLocate, else cvusa), cvusa for --descriptors.")
    flags.DEFINE_enum("top_percent_rule", None, list(TOP_PERCENT_RULES),
                      "K of recall@1%: cvm = floor(0.01 R) + 1 (CVM-Net, OriCNN, VIGOR), safa = floor(0.01 R), "
                      "toker = ceil(0.01 R). Default: toker for toker models, else cvm.")
    flags.DEFINE_bool("both_directions", None, "Also rank the street panoramas for each aerial query (paired "
                      "protocols), reported as aerial_to_street/... Default: yes for toker models, as Toker et al.")
    flags.DEFINE_integer("synthesized", 0, "Toker runs: also write this many synthesised street views, stacked "
                         "polar | synthesised | real, as PNGs under <run_dir>/synthesized/.")
    flags.DEFINE_string("metrics_out", None, "Metrics JSON (default: <run_dir>/metrics.json, or next to --descriptors).")
    flags.DEFINE_bool("plots", False, "Also write PNG plots next to the metrics JSON (needs matplotlib).")
    flags.DEFINE_integer("seed", 0, "Seed of the CrossLocate chance baseline.")
    flags.DEFINE_enum("backend", "auto", list(BACKENDS), "Search backend (auto: TensorFlow on a GPU, else numpy).")
    flags.DEFINE_integer("block_mb", 256, "Memory for one block of similarities, in MiB.")
    flags.DEFINE_string("run_dir", "runs/default", "Training run to evaluate (model mode).")
    flags.DEFINE_string("checkpoint", None, "Checkpoint to load (TF1, native .weights.h5 or a training checkpoint); "
                        "default: the run's newest.")
    flags.DEFINE_string("model", None, f"Network of a --checkpoint without a run or manifest, one of: "
                        f"{', '.join(MODEL_NAMES)}.")
    flags.DEFINE_string("dataset", None, f"Dataset (default: the run's, else synthetic_crossview), one of: "
                        f"{', '.join(DATASET_NAMES)}.")
    flags.DEFINE_string("split", "test", "Dataset split to describe.")
    flags.DEFINE_string("data_dir", None, "Folder holding a manually downloaded dataset.")
    flags.DEFINE_integer("batch_size", None, "Images per forward pass when describing.")
    flags.DEFINE_string("save_descriptors", None, "Also save the descriptors of model mode to this .npz.")
    flags.DEFINE_bool("polar_png_stretch", None, "Stretch polar images as SAFA's published PNGs (default: yes for "
                      "released SAFA weights without a run, no for runs trained by cvgeo).")
    command_line.require_one_of("model", MODEL_NAMES, "models")
    command_line.require_one_of("dataset", DATASET_NAMES, "datasets", config_suffix=True)
    command_line.require_at_least("batch_size", 1)
    command_line.require_at_least("block_mb", 1)
    command_line.require_at_least("synthesized", 0)


def model_name(values) -> str | None:
    """The network being evaluated: --model, else the run's (None in descriptor mode or without a run)."""
    if values.descriptors:
        return None
    if values.model:
        return values.model
    config = run_directory.read_config(values.run_dir)
    return json.loads(config).get("model") if config else None


def top_percent_rule(values) -> str:
    """--top_percent_rule, else Toker's rule (rank < 0.01 N, `mutual_topk_acc`) for toker models, else cvm."""
    if values.top_percent_rule:
        return values.top_percent_rule
    return "toker" if model_name(values) == "toker" else DEFAULT_TOP_PERCENT_RULE


def describe(values):
    """Descriptors of a split from a model (model mode) and its dataset's protocol: the only mode
    that starts TensorFlow.

    The run folder is checked first, so a wrong --run_dir is reported before TensorFlow starts.
    """
    if not values.checkpoint:
        run_directory.require_config(values.run_dir)
    command_line.start_tensorflow(command_line.requested_verbosity(values))
    from cvgeo.evaluation import write_descriptors
    from cvgeo.inference.split_descriptors import describe_split

    descriptors, spec = describe_split(
        run_dir=values.run_dir, checkpoint=values.checkpoint, model=values.model, dataset=values.dataset,
        split=values.split, data_dir=values.data_dir, batch_size=values.batch_size,
        polar_png_stretch=values.polar_png_stretch,
    )
    if values.save_descriptors:
        write_descriptors(values.save_descriptors, descriptors)
        print(f"Descriptors saved to {values.save_descriptors}")
    return descriptors, spec.protocol


def write_retrievals_figure(values, result, descriptors, path: str, queries: int = 6) -> str:
    """The first test panoramas with their top-5 retrieved tiles and the recall curve (model mode)."""
    from cvgeo.evaluation.paired_protocol import ground_truth_indices
    from cvgeo.inference.split_descriptors import pair_images, split_examples
    from cvgeo.plotting.retrievals_figure import plot_retrievals

    text = run_directory.read_config(values.run_dir)
    run_config = json.loads(text) if text else {}
    examples, _ = split_examples(run_config, dataset=values.dataset, split=values.split, data_dir=values.data_dir)
    truth = ground_truth_indices(descriptors)
    rows = range(min(queries, descriptors.num_queries))
    wanted = {int(i) for row in rows for i in (*result.top_indices[row, :5], truth[row], row) if i >= 0}
    images = pair_images(examples, wanted)
    return plot_retrievals(
        path, {row: images[row][0] for row in rows}, {index: image[1] for index, image in images.items()},
        result.top_indices[:, :5], truth, result.ranks, descriptors.num_references,
    )


def metrics_path(values) -> str:
    if values.metrics_out:
        return values.metrics_out
    if values.descriptors:
        return os.path.splitext(values.descriptors)[0] + f".{values.protocol or DESCRIPTOR_PROTOCOL}.metrics.json"
    return os.path.join(values.run_dir, "metrics.json")


def run(values) -> dict:
    """Evaluates as the flag values say; returns the metrics."""
    from cvgeo.evaluation import evaluate_descriptors, read_descriptors
    from cvgeo.evaluation.metrics_file import metrics_table, write_metrics

    if values.synthesized and values.descriptors:
        raise CvgeoError("--synthesized needs a toker run (--run_dir), not --descriptors")
    if values.descriptors:
        descriptors, dataset_protocol = read_descriptors(values.descriptors), DESCRIPTOR_PROTOCOL
    else:
        descriptors, dataset_protocol = describe(values)
    if values.backend == "tensorflow":
        command_line.start_tensorflow(command_line.requested_verbosity(values))
    rule = top_percent_rule(values)
    protocol = values.protocol or dataset_protocol
    search_options = {"backend": values.backend, "block_bytes": values.block_mb << 20}
    result = evaluate_descriptors(
        descriptors, protocol, top_percent_rule=rule, seed=values.seed,
        top_k=10 if values.plots else 0, search_options=search_options,
    )
    metrics = result.metrics
    both = values.both_directions if values.both_directions is not None else model_name(values) == "toker"
    if both:
        if protocol not in ("cvusa", "cvact_val"):
            raise CvgeoError(f"--both_directions needs a paired protocol (cvusa, cvact_val), not {protocol}")
        from cvgeo.evaluation.reverse_direction import reverse_direction_metrics

        metrics.update(reverse_direction_metrics(descriptors, top_percent_rule=rule, search_options=search_options))
    metrics["source"] = values.descriptors or values.checkpoint or values.run_dir
    if values.synthesized:
        from cvgeo.inference.synthesized_views import write_synthesized_views

        paths = write_synthesized_views(
            values.run_dir, values.synthesized, checkpoint=values.checkpoint, dataset=values.dataset,
            split=values.split, data_dir=values.data_dir,
        )
        print(f"{len(paths)} synthesised street views written to {os.path.dirname(paths[0])}" if paths else
              "no pairs to synthesise")
    output = metrics_path(values)
    if values.plots:
        from cvgeo.plotting.evaluation_plots import write_evaluation_plots

        folder = os.path.dirname(os.path.abspath(output))
        paths = write_evaluation_plots(result, descriptors, folder)
        if not values.descriptors and result.ranks is not None and protocol in ("cvusa", "cvact_val"):
            paths.append(write_retrievals_figure(values, result, descriptors, os.path.join(folder, "retrievals.png")))
        for path in paths:
            print(f"Plot written to {path}")
    write_metrics(output, metrics)
    print(metrics_table(metrics))
    print(f"Metrics written to {output}")
    return metrics


def main(argv) -> int:
    if len(argv) > 1:
        print(f"{PROGRAM}: unexpected arguments {argv[1:]}; every option is a --flag", file=sys.stderr)
        return command_line.USAGE_ERROR_EXIT
    try:
        run(FLAGS)
    except CvgeoError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return command_line.USAGE_ERROR_EXIT
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=command_line.flags_parser(PROGRAM))
