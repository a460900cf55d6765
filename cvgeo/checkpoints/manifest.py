"""The JSON manifest written beside a converted weights file: where the weights came from and how to feed them."""

import glob
import hashlib
import json
import os

from cvgeo.atomic_files import write_text_atomically
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
