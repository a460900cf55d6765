"""Reads CrossLocate's depth renders (OpenEXR, one float channel, metres) into numpy.

The opencv-python wheels are built without OpenEXR (`cv2.getBuildInformation()` shows
"OpenEXR: NO", and `OPENCV_IO_ENABLE_OPENEXR=1` cannot add it), and the originals used the
`OpenEXR` binding. This reader decodes single-part scanline files with the compressions a renderer
writes by default for float data (none, RLE, ZIPS, ZIP). For other compressions (PIZ, PXR24, B44,
DWA) it falls back to OpenCV when that build can read EXR, and otherwise names the file and the
compression so the user can re-save it with ZIP.
"""

import os
import struct
import zlib

import numpy as np

from tfds_builders.manual_layout import ManualLayoutError

_MAGIC = b"\x76\x2f\x31\x01"
_PIXEL_TYPES = {0: np.dtype("<u4"), 1: np.dtype("<f2"), 2: np.dtype("<f4")}
_COMPRESSIONS = dict(enumerate(("NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB")))
_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16}
DEPTH_CHANNELS = ("Z", "Y", "R", "depth", "V")  # first present one is the depth, when there are several


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise ValueError("file ends early")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def cstring(self) -> str:
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos:end].decode("latin-1")
        self.pos = end + 1
        return text


def _header(reader: _Reader) -> dict[str, tuple[str, bytes]]:
    attributes = {}
    while True:
        name = reader.cstring()
        if not name:
            return attributes
        kind = reader.cstring()
        (size,) = struct.unpack("<i", reader.take(4))
        attributes[name] = (kind, reader.take(size))


def _channels(value: bytes) -> list[tuple[str, int]]:
    reader, channels = _Reader(value), []
    while True:
        name = reader.cstring()
        if not name:
            return channels  # already sorted by name, as the format requires
        pixel_type, _, x_sampling, y_sampling = struct.unpack("<iB3xii", reader.take(16))
        if (x_sampling, y_sampling) != (1, 1):
            raise ValueError(f"channel {name} is subsampled")
        channels.append((name, pixel_type))


def _unpredict(raw: bytes) -> bytes:
    """Undoes OpenEXR's byte predictor and reordering (shared by RLE and ZIP compression).

    The writer split the bytes into even and odd halves, then stored each byte as
    (byte - previous byte + 128) mod 256.
    """
    values = np.frombuffer(raw, np.uint8).astype(np.int64)
    if values.size == 0:
        return raw
    deltas = values - 128
    deltas[0] = values[0]
    restored = (np.cumsum(deltas) % 256).astype(np.uint8)
    half = (restored.size + 1) // 2
    out = np.empty_like(restored)
    out[0::2], out[1::2] = restored[:half], restored[half:]
    return out.tobytes()


def _unrle(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        count = struct.unpack("b", raw[i:i + 1])[0]
        if count < 0:  # a literal run of -count bytes
            out += raw[i + 1:i + 1 - count]
            i += 1 - count
        else:  # the next byte, count + 1 times
            out += raw[i + 1:i + 2] * (count + 1)
            i += 2
    return bytes(out)


def _decode(data: bytes) -> tuple[dict[str, np.ndarray], str]:
    reader = _Reader(data)
    if reader.take(4) != _MAGIC:
        raise ValueError("not an OpenEXR file")
    (version,) = struct.unpack("<i", reader.take(4))
    if version & 0x1A00:  # tiled (0x200), deep (0x800) or multi-part (0x1000)
        raise ValueError("only single-part scanline files are supported")
    header = _header(reader)
    channels = _channels(header["channels"][1])
    compression = header["compression"][1][0]
    if compression not in _LINES_PER_CHUNK:
        raise NotImplementedError(_COMPRESSIONS.get(compression, str(compression)))
    x_min, y_min, x_max, y_max = struct.unpack("<iiii", header["dataWindow"][1])
    width, height = x_max - x_min + 1, y_max - y_min + 1
    lines = _LINES_PER_CHUNK[compression]
    chunks = -(-height // lines)
    offsets = struct.unpack(f"<{chunks}Q", reader.take(8 * chunks))
    planes = {name: np.empty((height, width), _PIXEL_TYPES[kind]) for name, kind in channels}
    for offset in offsets:
        chunk = _Reader(data)
        chunk.pos = offset
        y, size = struct.unpack("<ii", chunk.take(8))
        raw = chunk.take(size)
        rows = min(lines, y_max + 1 - y)
        expected = rows * width * sum(_PIXEL_TYPES[kind].itemsize for _, kind in channels)
        if compression != 0 and size < expected:  # a chunk that would not shrink is stored raw
            raw = _unpredict(zlib.decompress(raw) if compression in (2, 3) else _unrle(raw))
        if len(raw) != expected:
            raise ValueError(f"chunk at line {y} has {len(raw)} bytes, expected {expected}")
        position = 0
        for row in range(rows):
            for name, kind in channels:
                dtype = _PIXEL_TYPES[kind]
                count = width * dtype.itemsize
                planes[name][y - y_min + row] = np.frombuffer(raw, dtype, width, position)
                position += count
    return planes, _COMPRESSIONS[compression]


def read_depth(path: str) -> np.ndarray:
    """Depth in metres of the EXR file `path` as float32 [H, W].

    Raises:
      ManualLayoutError: the file is not a readable EXR depth map (the message says why).
    """
    try:
        with open(path, "rb") as handle:
            planes, _ = _decode(handle.read())
    except NotImplementedError as compression:
        depth = _read_with_opencv(path)
        if depth is None:
            raise ManualLayoutError(
                f"crosslocate: {path}: EXR compression {compression} is not supported here (NONE, RLE, "
                "ZIPS and ZIP are) and this OpenCV cannot read EXR; re-save the depth maps with ZIP compression"
            ) from None
        return depth
    except (OSError, ValueError, KeyError, IndexError, struct.error, zlib.error) as error:
        raise ManualLayoutError(f"crosslocate: cannot read depth map {path} ({error})") from None
    name = next((c for c in DEPTH_CHANNELS if c in planes), None) or sorted(planes)[0]
    return planes[name].astype(np.float32)


def _read_with_opencv(path: str) -> np.ndarray | None:
    os.environ.setdefault("OPENCV_IO_ENABLE_OPENEXR", "1")
    import cv2

    try:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if image is None:
        return None
    return (image if image.ndim == 2 else image[..., 0]).astype(np.float32)
