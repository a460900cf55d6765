"""VIGOR's list files: satellite lists and panorama label lines, parsed and checked.

VIGOR (Zhu et al., CVPR 2021) names every file after its position: panoramas
`<prefix>,<lat>,<lng>,.jpg`, satellite tiles `satellite_<lat>_<lng>.png`. A label line has 13
space-separated tokens: the panorama, then four (tile, d0, d1) triples: the positive tile and three
semi-positives, each with the panorama's pixel offset from that tile's centre (VIGOR's
`evaluate_from_npy.py` draws the panorama at column 320 - d1 and row 320 + d0 of the 640 px tile).
"""

from dataclasses import dataclass
import os

from tfds_builders.manual_layout import ManualLayoutError

CITIES = ("NewYork", "Seattle", "SanFrancisco", "Chicago")
SEMI_POSITIVES = 3
_TOKENS = 1 + 3 * (1 + SEMI_POSITIVES)


@dataclass(frozen=True)
class PanoramaLabel:
    """One labelled panorama: its file name, the four tiles covering it and its offsets in each."""

    panorama: str
    tiles: tuple[str, ...]  # positive first, then the 3 semi-positives
    deltas: tuple[tuple[float, float], ...]  # (d0, d1) per tile, pixels of the 640 px tile


def panorama_latlon(name: str) -> tuple[float, float]:
    """(lat, lon) in degrees from a panorama name `<prefix>,<lat>,<lng>,.jpg`."""
    parts = os.path.basename(name).split(",")
    try:
        return float(parts[1]), float(parts[2])
    except (IndexError, ValueError):
        raise ManualLayoutError(
            f"vigor: panorama name {name!r} is not of the form <prefix>,<lat>,<lng>,.jpg"
        ) from None


def satellite_latlon(name: str) -> tuple[float, float]:
    """(lat, lon) in degrees from a tile name `satellite_<lat>_<lng>.png`."""
    stem = os.path.splitext(os.path.basename(name))[0]
    parts = stem.split("_")
    try:
        if len(parts) != 3 or parts[0] != "satellite":
            raise ValueError
        return float(parts[1]), float(parts[2])
    except ValueError:
        raise ManualLayoutError(
            f"vigor: satellite tile name {name!r} is not of the form satellite_<lat>_<lng>.png"
        ) from None


def _lines(path: str) -> list[tuple[int, str]]:
    if not os.path.isfile(path):
        raise ManualLayoutError(f"vigor: list file {path} is missing")
    with open(path, encoding="utf-8") as handle:
        return [(number, line.strip()) for number, line in enumerate(handle, 1) if line.strip()]


def read_satellite_list(path: str) -> list[str]:
    """Tile file names of `splits/<City>/satellite_list.txt`, in file order (the reference index)."""
    names = [line for _, line in _lines(path)]
    for name in names:
        satellite_latlon(name)
    seen: set[str] = set()
    duplicates = [n for n in names if n in seen or seen.add(n)]
    if duplicates:
        raise ManualLayoutError(f"vigor: {path} lists {len(duplicates)} tile(s) twice, e.g. {duplicates[0]}")
    return names


def read_labels(path: str) -> list[PanoramaLabel]:
    """The labelled panoramas of a VIGOR label file (13 tokens per line), in file order."""
    labels = []
    for number, line in _lines(path):
        tokens = line.split()
        if len(tokens) != _TOKENS:
            raise ManualLayoutError(
                f"vigor: {path}:{number}: expected {_TOKENS} space-separated tokens "
                f"(panorama, then 4 x (tile, d0, d1)), got {len(tokens)}"
            )
        try:
            deltas = tuple((float(tokens[i + 1]), float(tokens[i + 2])) for i in range(1, _TOKENS, 3))
        except ValueError:
            raise ManualLayoutError(f"vigor: {path}:{number}: pixel offsets are not numbers") from None
        panorama_latlon(tokens[0])
        labels.append(PanoramaLabel(tokens[0], tuple(tokens[1:_TOKENS:3]), deltas))
    return labels
