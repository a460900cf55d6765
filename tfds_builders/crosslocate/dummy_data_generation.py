"""Writes a tiny CrossLocate tree in the original layout (dummy_data/ and the builder tests).

Follows the crosslocate spec's suggested fixture: query locations on a 3 km grid in UTM zone 32N
around 46.5 N, 8.0 E, 12 database views per location at 30 degree yaw steps, queries at their
location with a small yaw offset. Metas are pickled dicts saved with np.save, as the originals'.
Run `python -m tfds_builders.crosslocate.dummy_data_generation` to regenerate dummy_data/.
"""

import os
import struct
import zlib

import cv2
import numpy as np
import pyproj

SPLITS = ("train", "val", "test")
_UTM32 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)


def write_exr(path: str, depth: np.ndarray, compression: str = "ZIP", channel: str = "Y") -> None:
    """Writes float32 `depth` [H, W] as a single-channel scanline OpenEXR file.

    The compressors below follow the OpenEXR file-format document step by step (reorder bytes into
    even/odd halves, delta-predict, then deflate or run-length code), independently of the reader.
    """
    height, width = depth.shape
    codes = {"NONE": (0, 1), "RLE": (1, 1), "ZIPS": (2, 1), "ZIP": (3, 16)}
    code, lines = codes[compression]

    def attribute(name: str, kind: str, value: bytes) -> bytes:
        return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value

    header = b"".join([
        attribute("channels", "chlist", channel.encode() + b"\0" + struct.pack("<iB3xii", 2, 0, 1, 1) + b"\0"),
        attribute("compression", "compression", bytes([code])),
        attribute("dataWindow", "box2i", struct.pack("<iiii", 0, 0, width - 1, height - 1)),
        attribute("displayWindow", "box2i", struct.pack("<iiii", 0, 0, width - 1, height - 1)),
        attribute("lineOrder", "lineOrder", b"\0"),
        attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
        attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0, 0)),
        attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
    ]) + b"\0"
    chunks = []
    for y in range(0, height, lines):
        raw = depth[y:y + lines].astype("<f4").tobytes()
        if code:
            packed = _predict(_reorder(raw))
            packed = zlib.compress(packed) if code in (2, 3) else _rle(packed)
            raw = packed if len(packed) < len(raw) else raw
        chunks.append(struct.pack("<ii", y, len(raw)) + raw)
    start = 8 + len(header) + 8 * len(chunks)
    offsets, position = [], start
    for chunk in chunks:
        offsets.append(position)
        position += len(chunk)
    with open(path, "wb") as handle:
        handle.write(b"\x76\x2f\x31\x01" + struct.pack("<i", 2) + header)
        handle.write(struct.pack(f"<{len(offsets)}Q", *offsets) + b"".join(chunks))


def _reorder(raw: bytes) -> bytes:
    return raw[0::2] + raw[1::2]


def _predict(raw: bytes) -> bytes:
    out = bytearray(raw)
    for i in range(len(raw) - 1, 0, -1):
        out[i] = (raw[i] - raw[i - 1] + 128 + 256) % 256
    return bytes(out)


def _rle(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        run = 1
        while i + run < len(raw) and raw[i + run] == raw[i] and run < 128:
            run += 1
        if run >= 3:
            out += struct.pack("b", run - 1) + raw[i:i + 1]
            i += run
        else:
            start = i
            while i < len(raw) and i - start < 127 and not (i + 2 < len(raw) and raw[i] == raw[i + 1] == raw[i + 2]):
                i += 1
            out += struct.pack("b", -(i - start)) + raw[start:i]
    return bytes(out)


def _view_image(location: int, view: int, size: int = 16) -> np.ndarray:
    """A colour code of (location, view), so an oracle descriptor can tell views apart."""
    image = np.zeros((size, size, 3), np.uint8)
    image[:, :, 0] = 20 * location + 5
    image[:, :, 1] = 20 * view + 3
    image[: size // 2, :, 2] = 200
    return image


def write_crosslocate_layout(
    root: str,
    *,
    name: str = "Sparse",
    database: str = "database_segments",
    queries: str = "query_segments_result",
    meta: str = "GeoPose3K_v2_segments",
    locations: int = 2,
    views: int = 3,
    wgs_order: str = "latlon",
    query_extension: str = ".png",
    seed: int = 0,
) -> None:
    """A CrossLocate tree under `root`: datasets/<name>/... and datasets_meta/<name>/<meta>_<split>.npy.

    The database extension follows the modality (`.exr` for depth, `.png` otherwise). The train meta
    stores lists, the others numpy arrays (both occur in the released files).
    """
    rng = np.random.default_rng(seed)
    db_dir = os.path.join(root, "datasets", name, database)
    q_dir = os.path.join(root, "datasets", name, queries)
    meta_dir = os.path.join(root, "datasets_meta", name)
    for folder in (db_dir, q_dir, meta_dir):
        os.makedirs(folder, exist_ok=True)
    depth = database.endswith("depth")
    modality = database.split("_", 1)[1]
    for s, split in enumerate(SPLITS):
        fields: dict[str, list] = {key: [] for key in (
            "dbImageFns", "dbIDs", "dbPlaceNames", "dbWGS", "dbUTM", "dbElevations", "dbCameraParams",
            "qImageFns", "qIDs", "qPlaceNames", "qWGS", "qUTM", "qElevations", "qCameraParams")}
        for loc in range(locations * s, locations * (s + 1)):  # location numbers are unique across splits
            lat, lon = 46.5 + 0.027 * loc, 8.0 + 0.039 * (loc % 3)
            east, north = _UTM32.transform(lon, lat)
            wgs = [lat, lon] if wgs_order == "latlon" else [lon, lat]
            elevation = float(1000 + 10 * loc)
            subdir = f"CH_tile_{s}_{loc}" if name == "Uniform" else ""
            for view in range(views):
                file_name = os.path.join(subdir, f"loc{loc:03d}_v{view:02d}_{modality}" + (".exr" if depth else ".png"))
                path = os.path.join(db_dir, file_name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if depth:
                    depth_m = rng.uniform(5, 5000, (12, 16)).astype(np.float32)
                    write_exr(path, depth_m, compression=("ZIP", "ZIPS", "NONE")[view % 3])
                else:
                    cv2.imwrite(path, _view_image(loc, view))
                fields["dbImageFns"].append(file_name)
                fields["dbIDs"].append(loc * views + view)
                fields["dbPlaceNames"].append(f"place{loc}")
                fields["dbWGS"].append(wgs)
                fields["dbUTM"].append([east, north])
                fields["dbElevations"].append(elevation)
                fields["dbCameraParams"].append([np.radians(30.0 * view), 0.0, 0.0, np.radians(60.0)])
            query_name = f"q{loc:03d}{query_extension}"
            image = _view_image(loc, 0) + rng.integers(0, 20, (16, 16, 3), dtype=np.uint8)
            cv2.imwrite(os.path.join(q_dir, query_name), image)
            fields["qImageFns"].append(query_name)
            fields["qIDs"].append(loc)
            fields["qPlaceNames"].append(f"place{loc}")
            fields["qWGS"].append(wgs)
            fields["qUTM"].append([east, north])
            fields["qElevations"].append(elevation)
            fields["qCameraParams"].append([np.radians(5.0 - 20.0 * (loc % 2)), 0.01, -0.02, np.radians(50.0)])
        if split != "train":
            fields = {k: np.array(v, dtype=object if "Fns" in k or "Names" in k else None) for k, v in fields.items()}
        np.save(os.path.join(meta_dir, f"{meta}_{split}.npy"), fields, allow_pickle=True)


if __name__ == "__main__":
    here = os.path.join(os.path.dirname(__file__), "dummy_data")
    write_crosslocate_layout(here)
    write_crosslocate_layout(
        here, name="Sparse", database="database_depth", queries="query_original_result",
        meta="GeoPose3K_v2_original_to_depth", query_extension=".jpg",
    )
    write_crosslocate_layout(
        here, name="Uniform", queries="query_photos_to_segments_result", meta="Alps_photos_to_segments",
        wgs_order="lonlat", query_extension=".jpg",
    )
