"""A localization index: reference descriptors with their locations, and the model they came from."""

import json
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from cvgeo.atomic_files import atomic_path
from cvgeo.errors import CvgeoError


class IndexFileError(CvgeoError):
    """An index file is missing or malformed; the message names it and what was expected."""


@dataclass
class LocalizationIndex:
    """descriptors [R, D] float32 with, per row, optional `xy` (planar metres, e.g. UTM), `latlon`
    (degrees) and `ids`. `model_config` is the network that made them (`CrossViewModel.get_config()`:
    family, options, input shapes), so queries are embedded by the same network at the same size;
    `metadata` records where they came from (dataset, split, checkpoint)."""

    descriptors: np.ndarray
    model_config: dict
    xy: np.ndarray | None = None
    latlon: np.ndarray | None = None
    ids: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    def save(self, path: str) -> None:
        """Writes a `.npz` atomically (temporary file, then rename)."""
        arrays = {"descriptors": np.asarray(self.descriptors, np.float32),
                  "model_config": np.array(json.dumps(self.model_config)),
                  "metadata": np.array(json.dumps(self.metadata))}
        for name in ("xy", "latlon", "ids"):
            if getattr(self, name) is not None:
                arrays[name] = np.asarray(getattr(self, name))
        with atomic_path(path, suffix=".npz") as temporary:
            np.savez(temporary, **arrays)

    @classmethod
    def load(cls, path: str) -> "LocalizationIndex":
        """Reads an index written by `save`; IndexFileError names the file and what is wrong with it."""
        if not os.path.isfile(path):
            raise IndexFileError(f"index file {path} does not exist; build one with `python localize.py build-index`")
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise IndexFileError(f"index file {path} is not a readable .npz archive ({error})") from None
        missing = sorted({"descriptors", "model_config", "metadata"} - set(arrays))
        if missing:
            raise IndexFileError(
                f"index file {path} lacks {', '.join(map(repr, missing))} (it has {sorted(arrays)}); "
                "rebuild it with `python localize.py build-index`"
            )
        descriptors = arrays["descriptors"]
        if descriptors.ndim != 2:
            raise IndexFileError(f"index file {path}: 'descriptors' must be [R, D], got {list(descriptors.shape)}")
        for name in ("xy", "latlon", "ids"):
            if name in arrays and len(arrays[name]) != len(descriptors):
                raise IndexFileError(f"index file {path}: '{name}' has {len(arrays[name])} rows, descriptors {len(descriptors)}")
        model_config = json.loads(str(arrays["model_config"]))
        if not isinstance(model_config, dict) or not {"family", "query_shape"} <= set(model_config):
            raise IndexFileError(f"index file {path}: 'model_config' must hold 'family' and 'query_shape', got {model_config}")
        return cls(descriptors.astype(np.float32), model_config, arrays.get("xy"),
                   arrays.get("latlon"), arrays.get("ids"), json.loads(str(arrays["metadata"])))
