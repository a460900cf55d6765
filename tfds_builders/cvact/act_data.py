"""Reader for CVACT's `ACT_data.mat`: panorama ids, UTM positions and the three index lists.

The loaders of OriCNN and SAFA (`input_data_ACT.py`, `input_data_act_polar.py`) read `panoIds`,
`utm` (N x 2, easting and northing in metres) and the 1-based MATLAB index columns
`trainSet.trainInd`, `valSet.valInd` (CVACT_val) and `valSetAll.valInd` (CVACT_test). MATLAB v5/v7
files are read with scipy.io.loadmat; v7.3 files are HDF5 and are read with h5py.
"""

from dataclasses import dataclass

import numpy as np

from tfds_builders.manual_layout import ManualLayoutError

# split name -> (struct, field) of ACT_data.mat.
SPLIT_FIELDS = {"train": ("trainSet", "trainInd"), "val": ("valSet", "valInd"), "test": ("valSetAll", "valInd")}


@dataclass(frozen=True)
class ActData:
    """Contents of ACT_data.mat. `splits` holds 0-based indices into `pano_ids` and `utm`."""

    pano_ids: list[str]
    utm: np.ndarray
    splits: dict[str, np.ndarray]


def _unwrap(value):
    """Strips the (1, 1) object/struct wrappers scipy.io.loadmat puts around MATLAB values."""
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.item()
    return value


def _strings(value) -> list[str]:
    """A MATLAB char matrix (one id per row) or cell array of strings, as Python strings."""
    value = np.asarray(value)
    if value.dtype.kind == "U":
        return [str(s).strip() for s in value.reshape(-1)]
    if value.dtype == object:
        cells = [np.asarray(_unwrap(cell)).reshape(-1) for cell in value.reshape(-1)]
        return [str(cell[0]).strip() if cell.size else "" for cell in cells]
    raise ValueError(f"panoIds has unexpected type {value.dtype}")


def _read_scipy(path: str) -> dict:
    import scipy.io

    mat = scipy.io.loadmat(path)
    fields = {"panoIds": _strings(mat["panoIds"]), "utm": np.asarray(mat["utm"], np.float64)}
    for struct, field in SPLIT_FIELDS.values():
        # The originals index mat[struct][field][0][0]: a (1, 1) struct array holding an (n, 1) column.
        fields[struct, field] = np.asarray(_unwrap(mat[struct][field]))
    return fields


def _read_hdf5(path: str) -> dict:
    import h5py

    with h5py.File(path, "r") as mat:
        # HDF5 stores MATLAB arrays transposed (column-major): utm is 2 x N, index columns 1 x n.
        ids = mat["panoIds"]
        if ids.dtype == object:  # cell array: references to uint16 char arrays
            references = np.asarray(ids).reshape(-1)
            pano_ids = ["".join(map(chr, np.asarray(mat[ref]).reshape(-1))).strip() for ref in references]
        else:  # char matrix, stored L x N as uint16 code units
            pano_ids = ["".join(map(chr, column)).strip() for column in np.asarray(ids).T]
        fields = {"panoIds": pano_ids, "utm": np.asarray(mat["utm"], np.float64).T}
        for struct, field in SPLIT_FIELDS.values():
            fields[struct, field] = np.asarray(mat[struct][field]).T
    return fields


def _is_hdf5(path: str) -> bool:
    """MATLAB v7.3 files are HDF5 (scipy.io.loadmat refuses them)."""
    import h5py

    return h5py.is_hdf5(path)


def read_act_data(path: str) -> ActData:
    """Reads ACT_data.mat, raising ManualLayoutError (naming the file and the key) when it is not one."""
    try:
        fields = _read_hdf5(path) if _is_hdf5(path) else _read_scipy(path)
    except (KeyError, ValueError, OSError, TypeError, IndexError) as error:
        raise ManualLayoutError(
            f"cvact: cannot read {path} as CVACT's ACT_data.mat (needs panoIds, utm, trainSet.trainInd, "
            f"valSet.valInd, valSetAll.valInd): {type(error).__name__}: {error}"
        ) from None
    pano_ids, utm = fields["panoIds"], fields["utm"]
    if utm.ndim != 2 or utm.shape != (len(pano_ids), 2):
        raise ManualLayoutError(f"cvact: {path}: utm has shape {utm.shape}, expected ({len(pano_ids)}, 2)")
    splits = {}
    for split, key in SPLIT_FIELDS.items():
        one_based = fields[key].reshape(-1)
        if one_based.size and (one_based.min() < 1 or one_based.max() > len(pano_ids)):
            raise ManualLayoutError(
                f"cvact: {path}: {'.'.join(key)} holds indices outside 1..{len(pano_ids)} (MATLAB is 1-based)"
            )
        splits[split] = one_based.astype(np.int64) - 1  # every original loader subtracts 1
    return ActData(pano_ids, utm, splits)
