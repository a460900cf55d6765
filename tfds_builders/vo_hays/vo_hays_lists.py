"""The list files the `vo_hays` builder reads: one CSV per split, written by the user.

Vo & Hays (ECCV 2016) released image pairs without split lists, so cvgeo defines the format:
`<split>.csv` (split = train, val or test) with a header row naming the columns, then one pair per
row. Columns: `ground` and `aerial` (required; image paths relative to the folder holding the CSV,
or absolute), and optionally `lat`, `lon` (degrees), `yaw` (degrees) and `city`, `id` (text).
An optional column must be filled on every row or on none.
"""

import csv
from dataclasses import dataclass
import math
import os

from tfds_builders.manual_layout import ManualLayoutError

REQUIRED = ("ground", "aerial")
OPTIONAL = ("lat", "lon", "yaw", "city", "id")
NUMERIC = ("lat", "lon", "yaw")


@dataclass(frozen=True)
class Pair:
    """One row of a list file; numbers are NaN and text empty where the list has no such column."""

    ground: str
    aerial: str
    id: str
    lat: float
    lon: float
    yaw: float
    city: str


def read_pairs(path: str) -> list[Pair]:
    """The pairs listed in the CSV file `path` (see the module docstring for the format)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = [column.strip() for column in next(reader, [])]
        unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
        absent = [c for c in REQUIRED if c not in header]
        if unknown or absent or len(set(header)) != len(header):
            raise ManualLayoutError(
                f"vo_hays: {path}: the header row must name each column once, from "
                f"{', '.join(REQUIRED)} (required) and {', '.join(OPTIONAL)} (optional); got {','.join(header)!r}"
            )
        if ("lat" in header) != ("lon" in header):
            raise ManualLayoutError(f"vo_hays: {path}: give both lat and lon, or neither")
        pairs = []
        for number, row in enumerate(reader, 2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ManualLayoutError(f"vo_hays: {path}:{number}: {len(row)} fields, the header names {len(header)}")
            values = {column: cell.strip() for column, cell in zip(header, row)}
            if not values["ground"] or not values["aerial"]:
                raise ManualLayoutError(f"vo_hays: {path}:{number}: empty ground or aerial path")
            numbers = {}
            for column in NUMERIC:
                try:
                    numbers[column] = float(values[column]) if column in values else math.nan
                except ValueError:
                    raise ManualLayoutError(
                        f"vo_hays: {path}:{number}: {column} {values[column]!r} is not a number"
                    ) from None
                if column in values and not math.isfinite(numbers[column]):
                    raise ManualLayoutError(f"vo_hays: {path}:{number}: {column} must be a finite number")
            if "lat" in values and not (-90 <= numbers["lat"] <= 90 and -180 <= numbers["lon"] <= 180):
                raise ManualLayoutError(
                    f"vo_hays: {path}:{number}: lat/lon {numbers['lat']}, {numbers['lon']} out of range"
                )
            pairs.append(Pair(
                ground=values["ground"],
                aerial=values["aerial"],
                id=values.get("id") or os.path.splitext(values["ground"])[0],
                lat=numbers["lat"], lon=numbers["lon"], yaw=numbers["yaw"],
                city=values.get("city", ""),
            ))
    for column in ("id", "city"):
        if column in header and any(not getattr(p, column) for p in pairs):
            raise ManualLayoutError(
                f"vo_hays: {path}: column {column} is empty on some rows; fill it on every row or drop it"
            )
    ids = [p.id for p in pairs]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise ManualLayoutError(
            f"vo_hays: {path}: id {duplicate!r} occurs more than once (add an id column to disambiguate)"
        )
    return pairs
