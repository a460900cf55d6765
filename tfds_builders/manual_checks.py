"""Checks shared by the builders that read a manual folder: the folder itself and image sizes.

They complement `manual_layout` (missing files, undecodable images): TFDS' own manual-folder check
raises a bare AssertionError, and images of an unexpected size are worth a note in the build log.
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


def load_square(report: CorruptImageReport, path: str) -> np.ndarray | None:
    """RGB pixels of an aerial tile that must be square (the polar transform and rotations need it).

    A non-square tile is treated like a corrupt image: ManualLayoutError naming the file and its size,
    or, with `skip_corrupt`, recorded in the report and skipped.
    """
    image = report.load(path)
    if image is None or image.shape[0] == image.shape[1]:
        return image
    if not report.skip_corrupt:
        raise ManualLayoutError(
            f"{report.dataset}: aerial image {path} is {image.shape[0]}x{image.shape[1]} (rows x columns), "
            "expected a square tile. Replace the file, or build with skip_corrupt=True "
            "(train.py --skip_corrupt) to leave its example out."
        )
    report.corrupt.append(path)
    return None


class SizeNotes:
    """Counts images whose size differs from the dataset's original one, for one line in the build log.

    The originals skip such images (CVM-Net trains only on 224x1232 panoramas); cvgeo keeps them,
    since the input pipelines resize to the model's size, and says how many there were.
    """

    def __init__(self, dataset: str):
        self.dataset = dataset
        self.unusual: list[str] = []

    def check(self, path: str, image: np.ndarray, expected: tuple[int, int]) -> None:
        if image.shape[:2] != tuple(expected):
            size = f"{image.shape[0]}x{image.shape[1]}"
            self.unusual.append(f"{path} ({size}, original size {expected[0]}x{expected[1]})")

    def summary(self) -> str | None:
        if not self.unusual:
            return None
        shown = "\n".join(f"  {line}" for line in self.unusual[:20])
        more = f"\n  ... and {len(self.unusual) - 20} more" if len(self.unusual) > 20 else ""
        return f"{self.dataset}: {len(self.unusual)} image(s) differ from the original size:\n{shown}{more}"
