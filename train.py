"""Train a cross-view network: `python train.py --model=cvm_net_i --dataset=cvusa --data_dir=DIR`.

With no flags it trains CVM-Net-I on the synthetic dataset at small image sizes (CPU-friendly).
Re-running the same command resumes from the newest checkpoint in --output_dir (also after SIGTERM or
Ctrl-C, which checkpoint before exiting with 128 + the signal's number). A NaN or infinite loss stops
the run with exit status 2 and one line saying where.
"""

import sys

from absl import app, flags

from cvgeo import command_line

FLAGS = flags.FLAGS


def define_flags() -> None:
    """Every flag of train.py; all optional (unset flags keep the recipe's value)."""
    from cvgeo.registry_names import DATASET_NAMES as DATASETS, MODEL_NAMES as MODELS, RECIPE_NAMES as RECIPES

    flags.DEFINE_string("recipe", None, f"Starting configuration, one of: {', '.join(RECIPES)}. Default: "
                        "the model's original recipe on real datasets (<model>_cvact on CVACT), <model>_small "
                        "on synthetic data.")
    flags.DEFINE_string("model", None, f"Network, one of: {', '.join(MODELS)}.")
    flags.DEFINE_string("dataset", None, f"Dataset, one of: {', '.join(DATASETS)}.")
    flags.DEFINE_string("data_dir", None, "Folder holding the original files of a manually downloaded dataset.")
    flags.DEFINE_string("tfds_dir", None, "Where prepared TFDS records are kept (TFDS default when unset).")
    flags.DEFINE_bool("skip_corrupt", None, "Leave out examples whose images do not decode.")
    flags.DEFINE_integer("epochs", None, "Epochs to train in total (a resumed run continues to this count).")
    flags.DEFINE_integer("max_steps", None, "Stop after this many optimisation steps in total.")
    flags.DEFINE_integer("batch_size", None, "Pairs per batch (original: 12).")
    flags.DEFINE_float("learning_rate", None, "Adam learning rate (original: 1e-5).")
    flags.DEFINE_integer("seed", None, "Random seed for initialisation, shuffling and dropout.")
    flags.DEFINE_string("output_dir", None, "Run folder: config.json, checkpoints/, logs/ (default runs/default).")
    flags.DEFINE_string("init_weights", None, "ImageNet VGG16 weights to start from (Keras notop .h5 or vgg16_weights.npz).")
    flags.DEFINE_integer("eval_max_pairs", None, "Validate each epoch on at most this many pairs of the eval split.")
    flags.DEFINE_integer("checkpoint_every_steps", None, "Also checkpoint every N steps (default: at epoch ends only); "
                         "a resumed run continues the epoch where it stopped.")
    flags.DEFINE_bool("deterministic", None, "Deterministic TensorFlow kernels: a run stopped and resumed ends with "
                      "bit-identical weights to an uninterrupted one (slower on some devices).")
    flags.DEFINE_enum("mixed_precision", None, ["bf16", "fp16"], "Train in bfloat16 or float16 (fp16 with dynamic "
                      "loss scaling); descriptors, losses and similarities stay float32. Default: float32.")
    flags.DEFINE_bool("jit_compile", None, "Compile the train step with XLA.")
    flags.DEFINE_enum("strategy", None, ["default", "mirrored", "multi_worker"], "Where replicas run: one device "
                      "(default), every local GPU (mirrored; the logical CPUs of --cpu_devices without a GPU), or "
                      "the machines TF_CONFIG lists (multi_worker). --batch_size is the global batch; in-batch "
                      "negatives span all of it.")
    flags.DEFINE_integer("cpu_devices", None, "Split the CPU into N logical devices (to run --strategy=mirrored "
                         "without a GPU).")
    for branch, what in (("query", "ground panorama"), ("reference", "aerial image")):
        flags.DEFINE_integer(f"{branch}_height", None, f"Model input height of the {what}.")
        flags.DEFINE_integer(f"{branch}_width", None, f"Model input width of the {what}.")
    # Checked when the flags are parsed, before TensorFlow starts.
    command_line.require_one_of("recipe", RECIPES, "recipes")
    command_line.require_one_of("model", MODELS, "models")
    command_line.require_one_of("dataset", DATASETS, "datasets", config_suffix=True)
    command_line.require_at_least("batch_size", 2, "in-batch negatives")
    command_line.require_at_least("checkpoint_every_steps", 1)
    command_line.require_at_least("cpu_devices", 1)


def resolve_config(values):
    """The run's TrainConfig from the flag values: recipe first, then every flag that was set."""
    from cvgeo.data import dataset_spec
    from cvgeo.errors import CvgeoError
    from cvgeo.models import model_spec
    from cvgeo.training.recipes import RECIPES, recipe_name

    dataset = values.dataset or "synthetic_crossview"
    synthetic = not dataset_spec(dataset).manual
    model = values.model or "cvm_net_i"
    model_spec(model)  # an unknown --model is reported as such, not as a missing recipe
    name = values.recipe or recipe_name(model, dataset, synthetic)
    if name not in RECIPES:
        trainable = sorted({recipe.model for recipe in RECIPES.values()})
        raise CvgeoError(
            f"{model} has no training recipe yet (CrossLocate trains with its own triplet mining, not in cvgeo yet); "
            f"models train.py trains: {', '.join(trainable)}"
        )
    recipe = RECIPES[name]
    model = values.model or recipe.model
    spec = model_spec(model)
    options = dict(recipe.model_options) if model == recipe.model else {}
    if not synthetic and model != recipe.model:
        options.update(query_shape=spec.query_shape, reference_shape=spec.reference_shape)
    for branch in ("query", "reference"):
        height, width = getattr(values, f"{branch}_height"), getattr(values, f"{branch}_width")
        if height or width:
            default = options.get(f"{branch}_shape", getattr(spec, f"{branch}_shape"))
            options[f"{branch}_shape"] = (height or default[0], width or default[1])
    config = recipe.replace(
        model=model, model_options=options, dataset=values.dataset, data_dir=values.data_dir,
        tfds_dir=values.tfds_dir, skip_corrupt=values.skip_corrupt, epochs=values.epochs,
        max_steps=values.max_steps, batch_size=values.batch_size, learning_rate=values.learning_rate,
        seed=values.seed, output_dir=values.output_dir, init_weights=values.init_weights,
        eval_max_pairs=values.eval_max_pairs, checkpoint_every_steps=values.checkpoint_every_steps,
        deterministic=values.deterministic, mixed_precision=values.mixed_precision, jit_compile=values.jit_compile,
        strategy=values.strategy, cpu_devices=values.cpu_devices,
    )
    if config.batch_size < 2:
        raise CvgeoError(f"--batch_size must be at least 2 (in-batch negatives), got {config.batch_size}")
    return config


def main(argv) -> int:
    del argv
    from cvgeo.errors import CvgeoError

    command_line.start_tensorflow(command_line.requested_verbosity(FLAGS))
    from cvgeo.training import TrainingInterrupted, distribution, train, validation

    try:
        config = resolve_config(FLAGS)
        # Before anything runs on TensorFlow: the CPU split and multi_worker must be set up first.
        strategy = distribution.make_strategy(config.strategy, config.cpu_devices)
        # Before the validator prepares data.
        distribution.check_batch_size(strategy, config.batch_size)
        distribution.check_jit_compile(strategy, config.jit_compile)
        train(config, validate=validation.make_validator(config), strategy=strategy)
    except TrainingInterrupted as stopped:
        print(f"train.py: {stopped}", file=sys.stderr)
        return 128 + stopped.signal_number
    except CvgeoError as error:
        print(f"train.py: {error}", file=sys.stderr)
        return 2
    print(f"Finished: checkpoints and logs in {config.output_dir}")
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=command_line.flags_parser("train.py"))
