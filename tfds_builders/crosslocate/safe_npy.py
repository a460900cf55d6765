"""Loads CrossLocate's pickled `.npy` meta files without executing code from them.

The originals call `np.load(path).item()`, which on current numpy needs `allow_pickle=True`; a pickle
can name any importable callable (`os.system`, ...) and have it run while loading. Here the pickle
stream is read by an unpickler that resolves only the few numpy globals that an `np.save`d dict of
lists and arrays needs, and refuses every other global before anything is called. The result is then
walked, so only dicts, lists, tuples, strings, numbers, None and numpy arrays come back.
"""

import codecs
from itertools import chain
import pickle
from typing import Any

import numpy as np

from tfds_builders.manual_layout import ManualLayoutError

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct, scalar
    from numpy._core.numeric import _frombuffer
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct, scalar
    from numpy.core.numeric import _frombuffer

ACCEPTED = "dicts, lists, tuples, strings, numbers, None and numpy arrays"


class UnsafeMetaError(ManualLayoutError):
    """A meta file holds something other than plain data; the message names the file and the type."""


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    # numpy < 1.17 saved with pickle protocol 2, which spells bytes as _codecs.encode(text, "latin1").
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"_codecs.encode of {type(text).__name__} with encoding {encoding!r}")
    return text.encode("latin-1")


_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}
for _package in ("numpy.core", "numpy._core"):  # files written by numpy 1.x and 2.x
    _ALLOWED_GLOBALS[(f"{_package}.multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED_GLOBALS[(f"{_package}.multiarray", "scalar")] = scalar
    _ALLOWED_GLOBALS[(f"{_package}.numeric", "_frombuffer")] = _frombuffer


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        target = _ALLOWED_GLOBALS.get((module, name))
        if target is None:
            raise _Refused(f"{module}.{name}")
        return target


class _Refused(Exception):
    pass


# Exact types that are plain data; lists made only of these are accepted without a per-item walk.
_PLAIN_TYPES = frozenset(
    (str, bool, int, float, type(None), np.str_, np.bool_, np.float64, np.float32, np.int64, np.int32)
)


def _all_plain(items) -> bool:
    return set(map(type, items)) <= _PLAIN_TYPES


def _check_plain(value: Any, where: str) -> None:
    """Raises _Refused unless `value` is plain data (recursively); `where` locates it for the message."""
    if type(value) in _PLAIN_TYPES:
        return
    if isinstance(value, np.generic):
        if value.dtype.kind in "OV":
            raise _Refused(f"numpy scalar of dtype {value.dtype} at {where}")
    elif isinstance(value, (str, bool, int, float)):
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key, f"{where} key")
            _check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        # Fast paths for the usual shapes: a list of scalars, or a list of rows of scalars.
        if _all_plain(value) or (set(map(type, value)) <= {list, tuple} and _all_plain(chain.from_iterable(value))):
            return
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
    elif isinstance(value, np.ndarray):
        if value.dtype.kind == "O" and not _all_plain(value.ravel()):
            for i, item in enumerate(value.ravel()):
                _check_plain(item, f"{where}.flat[{i}]")
        elif value.dtype.kind == "V":
            raise _Refused(f"structured array of dtype {value.dtype} at {where}")
    else:
        raise _Refused(f"{type(value).__module__}.{type(value).__qualname__} at {where}")


def load_meta(path: str) -> dict:
    """The dict stored in the `.npy` file `path` by `np.save(path, meta_dict)`.

    Raises:
      UnsafeMetaError: the file is unreadable, not a `.npy` file, holds no dict, or holds (or would
        construct) anything but plain data.
    """
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise UnsafeMetaError(f"{path}: cannot read meta file ({error.strerror})") from None
    with handle:
        try:
            version = np.lib.format.read_magic(handle)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy format version {version}")
            _, _, dtype = read_header(handle)
        except ValueError as error:
            raise UnsafeMetaError(f"{path}: not a .npy file ({error})") from None
        if dtype.kind != "O":
            raise UnsafeMetaError(f"{path}: expected a pickled dict (np.save of a dict), found a plain {dtype} array")
        try:
            value = _RestrictedUnpickler(handle).load()
            if isinstance(value, np.ndarray) and value.shape == () and value.dtype == object:
                value = value.item()
            if not isinstance(value, dict):
                raise UnsafeMetaError(
                    f"{path}: expected a pickled dict (np.save of a dict), found {type(value).__name__} "
                    f"of shape {getattr(value, 'shape', None)}"
                )
            _check_plain(value, "meta")
        except _Refused as refused:
            raise UnsafeMetaError(
                f"{path}: refused to load {refused}: meta files may only hold {ACCEPTED}. "
                "Nothing from the file was executed."
            ) from None
        except (pickle.UnpicklingError, EOFError, TypeError, AttributeError) as error:
            raise UnsafeMetaError(f"{path}: unreadable pickled meta data ({error})") from None
    return value
