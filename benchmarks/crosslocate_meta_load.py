"""Time to load a CrossLocate meta file: cvgeo's safe loader vs. the original np.load(allow_pickle=True).

Writes a meta dict of the released shape (database lists of file names, 2-float WGS/UTM rows, 4-float
camera rows; lists, as the Sparse metas hold them, or arrays, as compact metas are thought to) with
`--views` database views, then loads it both ways. Prints seconds and the ratio.

    python benchmarks/crosslocate_meta_load.py --views 1000000
"""

import argparse
import os
import tempfile
import time

import numpy as np

from tfds_builders.crosslocate.crosslocate_meta import read_meta
from tfds_builders.crosslocate.safe_npy import load_meta


def _meta(views: int, as_arrays: bool) -> dict:
    rng = np.random.default_rng(0)
    wgs = np.column_stack([rng.uniform(43.5, 48.5, views), rng.uniform(5, 17, views)])
    utm = rng.uniform(0, 1e6, (views, 2))
    camera = rng.uniform(0, 6.28, (views, 4))
    names = [f"CH_tile_{i % 97}_{i % 89}/{i:08d}_segments.png" for i in range(views)]
    meta = {
        "dbImageFns": names, "dbIDs": list(range(views)), "dbPlaceNames": ["place"] * views,
        "dbWGS": wgs, "dbUTM": utm, "dbElevations": rng.uniform(500, 4000, views), "dbCameraParams": camera,
        "qImageFns": names[:1000], "qIDs": list(range(1000)), "qPlaceNames": ["q"] * 1000,
        "qWGS": wgs[:1000], "qUTM": utm[:1000], "qElevations": np.zeros(1000), "qCameraParams": camera[:1000],
    }
    if as_arrays:
        return {k: np.array(v, dtype=object) if k.endswith(("Fns", "Names")) else np.asarray(v) for k, v in meta.items()}
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in meta.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for as_arrays in (False, True):
            path = os.path.join(folder, "meta_train.npy")
            np.save(path, _meta(args.views, as_arrays), allow_pickle=True)
            timings = {}
            for name, load in (
                ("np.load(allow_pickle=True).item() (original)", lambda: np.load(path, allow_pickle=True).item()),
                ("safe_npy.load_meta", lambda: load_meta(path)),
                ("crosslocate_meta.read_meta (load + checks)", lambda: read_meta(path)),
            ):
                best = float("inf")
                for _ in range(args.repeats):
                    started = time.perf_counter()
                    load()
                    best = min(best, time.perf_counter() - started)
                timings[name] = best
            original = timings["np.load(allow_pickle=True).item() (original)"]
            kind = "arrays" if as_arrays else "lists"
            print(f"{args.views} views, fields as {kind}, {os.path.getsize(path) / 1e6:.0f} MB:")
            for name, seconds in timings.items():
                print(f"  {name:48s} {seconds:7.3f} s   x{seconds / original:.2f} of the original")


if __name__ == "__main__":
    main()
