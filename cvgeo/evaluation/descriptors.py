"""`Descriptors`: what every protocol evaluates: query and reference descriptors plus their metadata."""

from dataclasses import dataclass, fields

import numpy as np

from cvgeo.evaluation.errors import EvaluationError

# name -> (shape in terms of Q, R; None = free), dtype kind ("f" float, "i" integer, "U" text)
_OPTIONAL_FIELDS = {
    "query_xy": ("Q", 2, "f"),
    "reference_xy": ("R", 2, "f"),
    "query_latlon": ("Q", 2, "f"),
    "reference_latlon": ("R", 2, "f"),
    "query_yaw": ("Q", None, "f"),
    "reference_yaw": ("R", None, "f"),
    "positive": ("Q", None, "i"),
    "semi_positives": ("Q", 3, "i"),
    "query_ids": ("Q", None, "U"),
    "reference_ids": ("R", None, "U"),
}


@dataclass
class Descriptors:
    """Query (ground) and reference (aerial) descriptors, row i of `query` paired with row i of
    `reference` unless `positive` says otherwise.

    Similarity is the dot product. Optional metadata lets geo protocols run on descriptors alone:
    planar positions in metres (`*_xy`, e.g. UTM easting/northing), WGS84 `*_latlon` in degrees,
    headings `*_yaw` in degrees, VIGOR's `positive` [Q] and `semi_positives` [Q, 3] reference
    indices, and identifiers (`*_ids`, e.g. file names).
    """

    query: np.ndarray
    reference: np.ndarray
    query_xy: np.ndarray | None = None
    reference_xy: np.ndarray | None = None
    query_latlon: np.ndarray | None = None
    reference_latlon: np.ndarray | None = None
    query_yaw: np.ndarray | None = None
    reference_yaw: np.ndarray | None = None
    positive: np.ndarray | None = None
    semi_positives: np.ndarray | None = None
    query_ids: np.ndarray | None = None
    reference_ids: np.ndarray | None = None

    def __post_init__(self):
        self.query = _descriptor_matrix(self.query, "query")
        self.reference = _descriptor_matrix(self.reference, "reference")
        if self.query.shape[1] != self.reference.shape[1]:
            raise EvaluationError(
                f"query descriptors have {self.query.shape[1]} dimensions but reference descriptors have "
                f"{self.reference.shape[1]}; both must come from the same model"
            )
        sizes = {"Q": len(self.query), "R": len(self.reference)}
        for name, (rows, columns, kind) in _OPTIONAL_FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, _metadata(value, name, sizes[rows], rows, columns, kind))
        for name in ("positive", "semi_positives"):
            value = getattr(self, name)
            if value is not None and value.size and (value.min() < 0 or value.max() >= sizes["R"]):
                raise EvaluationError(
                    f"'{name}' holds reference indices outside [0, {sizes['R']}) "
                    f"(found {value.min()}..{value.max()})"
                )

    @property
    def num_queries(self) -> int:
        return len(self.query)

    @property
    def num_references(self) -> int:
        return len(self.reference)

    def arrays(self) -> dict[str, np.ndarray]:
        """The fields that are set, by name (the keys of the `.npz` format)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def _descriptor_matrix(value, name: str) -> np.ndarray:
    value = np.asarray(value)
    if value.ndim != 2 or value.shape[0] == 0 or value.shape[1] == 0:
        raise EvaluationError(f"'{name}' must be a non-empty [N, D] matrix, got shape {list(value.shape)}")
    if value.dtype.kind not in "fiu":
        raise EvaluationError(f"'{name}' must be numeric, got dtype {value.dtype}")
    value = np.ascontiguousarray(value, np.float32)
    if not np.isfinite(value).all():
        raise EvaluationError(f"'{name}' contains NaN or infinite values")
    return value


def _metadata(value, name: str, length: int, rows: str, columns: int | None, kind: str) -> np.ndarray:
    value = np.asarray(value)
    expected = [rows] if columns is None else [rows, columns]
    shape_ok = value.ndim == len(expected) and len(value) == length and (columns is None or value.shape[1] == columns)
    if not shape_ok:
        raise EvaluationError(
            f"'{name}' must have shape [{', '.join(map(str, expected))}] = "
            f"[{', '.join(str(length) if e == rows else str(e) for e in expected)}], got {list(value.shape)}"
        )
    if kind == "f":
        if value.dtype.kind not in "fiu":
            raise EvaluationError(f"'{name}' must be numeric, got dtype {value.dtype}")
        return value.astype(np.float64)
    if kind == "i":
        if value.dtype.kind not in "iu" and not (value.dtype.kind == "f" and np.all(value == np.round(value))):
            raise EvaluationError(f"'{name}' must hold integer reference indices, got dtype {value.dtype}")
        return value.astype(np.int64)
    return value.astype(str)
