"""Converting an original (or cvgeo) checkpoint into a `.weights.h5` file plus its manifest."""

import os

from cvgeo.checkpoints.errors import CheckpointPathError
from cvgeo.checkpoints.loader import KERAS_WEIGHTS_SUFFIX, load
from cvgeo.checkpoints.manifest import checkpoint_files, manifest_path, sha256_of_file, write_manifest
from cvgeo.checkpoints.native import save_weights
from cvgeo.models import build, model_spec


def convert(model_name: str, source: str | os.PathLike, destination: str | os.PathLike, **model_options) -> dict:
    """Builds `model_name`, loads `source` into it (see `load`) and writes `destination` (.weights.h5)
    and `<name>.manifest.json` beside it. Returns the manifest.

    `model_options` go to the builder (e.g. query_shape=(500, 500), two_branch=True). The manifest's
    `model_config` (`model.get_config()`: family, every option, input shapes) rebuilds the network
    the weights fit, with `cvgeo.models.from_config`.
    """
    destination = os.fspath(destination)
    if not destination.endswith(KERAS_WEIGHTS_SUFFIX):
        raise CheckpointPathError(f"--to={destination!r} must end with {KERAS_WEIGHTS_SUFFIX!r}")
    spec = model_spec(model_name)
    model = build(model_name, **model_options)
    report = load(model, source)
    save_weights(model, destination)
    manifest = {
        "model_config": model.get_config(),
        "source": os.fspath(source),
        "source_format": report.format,
        "source_sha256": {os.path.basename(f): sha256_of_file(f) for f in checkpoint_files(report.source)},
        "weights_file": os.path.basename(destination),
        "weights_sha256": sha256_of_file(destination),
        "reference_feature": spec.reference_feature,
        "preprocessing": spec.preprocessing,
        "descriptor_dim": model.descriptor_dim,
        "embed_batch_size": model.embed_batch_size,
        "parameters": int(model.count_params()),
    }
    write_manifest(manifest_path(destination), manifest)
    return manifest
