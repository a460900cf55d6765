"""The JSON manifest written beside a converted weights file: where the weights came from and how to feed them."""

import glob
import hashlib
import json
import os

from cvgeo.atomic_files import write_text_atomically
from cvgeo.checkpoints.errors import CheckpointPathError
from cvgeo.checkpoints.loader import KERAS_WEIGHTS_SUFFIX


def sha256_of_file(path: str, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, streamed (checkpoints can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def checkpoint_files(source: str) -> list[str]:
    """The files holding the checkpoint `source`: a weights file itself, or a prefix's .index and data shards."""
    if os.path.isfile(source):
        return [source]
    return sorted(glob.glob(glob.escape(source) + ".index") + glob.glob(glob.escape(source) + ".data-*"))


def manifest_path(weights_path: str) -> str:
    """`checkpoints/safa.weights.h5` -> `checkpoints/safa.manifest.json`."""
    return weights_path.removesuffix(KERAS_WEIGHTS_SUFFIX) + ".manifest.json"


def write_manifest(path: str, manifest: dict) -> None:
    """Writes `manifest` as indented JSON, atomically (temp file + rename)."""
    write_text_atomically(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(weights_path: str) -> dict | None:
    """The manifest beside the weights file `weights_path`, or None when it has none (or is no weights file)."""
    if not weights_path.endswith(KERAS_WEIGHTS_SUFFIX):
        return None
    path = manifest_path(weights_path)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as stream:
            manifest = json.load(stream)
    except (OSError, ValueError) as error:
        raise CheckpointPathError(f"manifest {path} is not readable JSON ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("model_config"), dict):
        raise CheckpointPathError(
            f"manifest {path} has no 'model_config' (written by `python -m cvgeo.checkpoints convert`); "
            "convert the checkpoint again, or pass --model"
        )
    return manifest
