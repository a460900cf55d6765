"""Validation of a manually downloaded dataset folder before anything is written.

Every real-dataset builder checks the original layout up front: it lists what is missing (the first
20 paths and a count, with the expected pattern and where the data comes from) and which images do
not decode, so a build either succeeds completely or fails with one clear message.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import os

import cv2
import numpy as np

MAX_LISTED = 20


class ManualLayoutError(Exception):
    """The manual folder does not hold the dataset's original layout. The message says what to fix."""


def _listing(paths: Sequence[str]) -> str:
    shown = "\n".join(f"  {p}" for p in paths[:MAX_LISTED])
    more = f"\n  ... and {len(paths) - MAX_LISTED} more" if len(paths) > MAX_LISTED else ""
    return shown + more


def require_files(
    root: str,
    relative_paths: Iterable[str],
    *,
    dataset: str,
    pattern: str,
    source: str,
) -> None:
    """Raises ManualLayoutError unless every `root/relative_path` exists.

    Args:
      root: the manual folder the builder looked in.
      relative_paths: paths the layout requires, relative to `root`.
      dataset: dataset name for the message.
      pattern: the expected path pattern, e.g. "bingmap/19/<id>.jpg".
      source: where the dataset comes from (how to request it).
    """
    missing = [p for p in relative_paths if not os.path.exists(os.path.join(root, p))]
    if missing:
        raise ManualLayoutError(
            f"{dataset}: {len(missing)} expected file(s) missing under {root}\n"
            f"expected layout: {pattern}\n{_listing(missing)}\n"
            f"The dataset comes from: {source}"
        )


def decode_image(path: str) -> np.ndarray | None:
    """RGB uint8 pixels of `path`, or None when it is unreadable or truncated.

    A JPEG must also end with its end-of-image marker: libjpeg silently pads a truncated file with
    grey, which would otherwise enter the dataset as a valid image.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if path.lower().endswith((".jpg", ".jpeg")) and not data.rstrip(b"\0").endswith(b"\xff\xd9"):
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@dataclass
class CorruptImageReport:
    """Images that failed to decode during a build, kept so the builder can report them once."""

    dataset: str
    skip_corrupt: bool
    corrupt: list[str] = field(default_factory=list)

    def load(self, path: str) -> np.ndarray | None:
        """Decoded RGB image, or None (recorded) when it is corrupt and skipping is allowed.

        Raises ManualLayoutError for a corrupt image when `skip_corrupt` is False.
        """
        image = decode_image(path)
        if image is None:
            if not self.skip_corrupt:
                raise ManualLayoutError(
                    f"{self.dataset}: cannot decode image {path} (corrupt or truncated). "
                    "Replace the file, or build with skip_corrupt=True (train.py --skip_corrupt) "
                    "to leave its example out."
                )
            self.corrupt.append(path)
        return image

    def summary(self) -> str:
        """One line for the build log, e.g. 'cvusa: skipped 2 corrupt image(s): ...'."""
        if not self.corrupt:
            return f"{self.dataset}: no corrupt images"
        return f"{self.dataset}: skipped {len(self.corrupt)} corrupt image(s):\n{_listing(self.corrupt)}"
