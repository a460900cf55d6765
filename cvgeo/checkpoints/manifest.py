"""The JSON manifest written beside a converted weights file: where the weights came from and how to feed them."""

import glob
import hashlib
import json
import os
import tempfile

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
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(manifest, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
