"""OriCNN's per-pixel orientation maps (Liu & Li, CVPR 2019), as closed-form numpy functions.

OriCNN feeds each image with two extra channels that tell the network which direction every pixel
looks in. The authors ship them as `.mat` files; the formulas below reproduce the ground maps
exactly (`yaw_pitch_grd_CVUSA.mat` fits them to 9e-16) and define the aerial maps the way the
authors' figure draws them (0 at north, increasing clockwise, radius 0 at the centre).
`orientation_maps_from_mat` reads the authors' files instead.
"""

import math
import os

import numpy as np
import scipy.io


def ground_orientation_map(height: int, width: int) -> np.ndarray:
    """[height, width, 2] float32 (yaw/pi, pitch/pi) of an equirectangular panorama.

    yaw/pi runs linearly from -1 at column 0 to +1 at the last column (0 at the centre); pitch/pi is
    (row - (height-1)/2) * 2/(width-1), the same angular step, increasing downwards.
    """
    rows = np.arange(height, dtype=np.float64)[:, None]
    cols = np.arange(width, dtype=np.float64)[None, :]
    yaw = np.broadcast_to(-1.0 + 2.0 * cols / (width - 1), (height, width))
    pitch = np.broadcast_to((rows - (height - 1) / 2.0) * 2.0 / (width - 1), (height, width))
    return np.stack([yaw, pitch], axis=-1).astype(np.float32)


def aerial_orientation_map(size: int) -> np.ndarray:
    """[size, size, 2] float32 (azimuth/pi, scaled radius) of a north-up aerial tile.

    With c = (size-1)/2, dx = column - c (east) and dy = c - row (north): azimuth = atan2(dx, dy),
    0 at north and increasing clockwise, in (-pi, pi]; radius = hypot(dx, dy) / (size/2), stored
    as (radius - 0.5) * 2 as OriCNN's input pipeline does. Pixels outside the inscribed circle keep
    their values (no mask).
    """
    centre = (size - 1) / 2.0
    rows = np.arange(size, dtype=np.float64)[:, None]
    cols = np.arange(size, dtype=np.float64)[None, :]
    dx = np.broadcast_to(cols - centre, (size, size))
    dy = np.broadcast_to(centre - rows, (size, size))
    azimuth = np.arctan2(dx, dy) / math.pi
    radius = (np.hypot(dx, dy) / (size / 2.0) - 0.5) * 2.0
    return np.stack([azimuth, radius], axis=-1).astype(np.float32)


def orientation_maps_from_mat(path: str | os.PathLike, branch: str) -> np.ndarray:
    """Reads one of the authors' orientation files as network-ready channels [H, W, 2] (float32).

    branch "ground": `yaw_pitch_grd_*.mat`, key `orient_mat` (yaw, pitch in radians) -> both / pi.
    branch "aerial": `yaw_radius_sat_*.mat`, key `polor_mat` (azimuth in radians, radius in [0, 1])
    -> azimuth / pi and (radius - 0.5) * 2, as OriCNN's `input_data_*.py` scale them.
    The maps keep the file's resolution; resizing to the input size is the caller's business.
    """
    key = {"ground": "orient_mat", "aerial": "polor_mat"}[branch]
    try:
        contents = scipy.io.loadmat(os.fspath(path))
    except NotImplementedError:
        raise ValueError(f"{os.fspath(path)!r} is a MATLAB v7.3 (HDF5) file; re-save it with save(..., '-v7')") from None
    except (OSError, ValueError, scipy.io.matlab.MatReadError) as error:
        raise ValueError(f"cannot read orientation file {os.fspath(path)!r} as a MATLAB .mat file: {error}") from None
    if key not in contents:
        raise ValueError(
            f"orientation file {os.fspath(path)!r} has no {key!r} array (found {sorted(k for k in contents if not k.startswith('__'))}); "
            f"expected the OriCNN {branch} orientation file"
        )
    maps = np.asarray(contents[key], np.float64)
    if maps.ndim != 3 or maps.shape[-1] != 2:
        raise ValueError(f"{key!r} in {os.fspath(path)!r} has shape {maps.shape}; expected [H, W, 2]")
    if branch == "ground":
        scaled = maps / math.pi
    else:
        scaled = np.stack([maps[..., 0] / math.pi, (maps[..., 1] - 0.5) * 2.0], axis=-1)
    return scaled.astype(np.float32)
