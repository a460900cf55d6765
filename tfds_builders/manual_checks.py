"""Checks shared by the builders that read a manual folder: the folder itself and image sizes.

They complement `manual_layout` (missing files, undecodable images): TFDS' own manual-folder check
raises a bare AssertionError, and a wrong-sized image would otherwise fail deep inside TFDS' encoder.
"""

import os

import numpy as np

from tfds_builders.manual_layout import CorruptImageReport, ManualLayoutError


def manual_folder(dl_manager, dataset: str) -> str:
    """The manual folder TFDS was given, or ManualLayoutError when it is missing or empty.

    TFDS' message names the folder and repeats MANUAL_DOWNLOAD_INSTRUCTIONS; it is re-raised as the
    ManualLayoutError the CLIs turn into a one-line error instead of a traceback.
    """
    try:
        return os.fspath(dl_manager.manual_dir)
    except AssertionError as error:
        raise ManualLayoutError(f"{dataset}: {error}") from None


def load_sized(report: CorruptImageReport, path: str, shape: tuple[int, int]) -> np.ndarray | None:
    """RGB pixels of `path` if it decodes and is `shape` (rows, columns); otherwise None or an error.

    A wrong-sized image is treated like a corrupt one: ManualLayoutError naming the file and both sizes,
    or, with `skip_corrupt`, recorded in the report and skipped.
    """
    image = report.load(path)
    if image is None or image.shape[:2] == tuple(shape):
        return image
    if not report.skip_corrupt:
        raise ManualLayoutError(
            f"{report.dataset}: image {path} is {image.shape[0]}x{image.shape[1]} (rows x columns), "
            f"expected {shape[0]}x{shape[1]}. Replace the file, or build with skip_corrupt=True "
            "(train.py --skip_corrupt) to leave its example out."
        )
    report.corrupt.append(path)
    return None
