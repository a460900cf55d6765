"""Generation speed and a learnability check of the synthetic cross-view dataset.

Generates the test split of a config without TFDS, times it, and matches every
panorama against every aerial tile with three hand-made methods:
  raw:   L2 between raw pixels (aerial resized to the panorama size), no geometry;
  polar: L2 between raw pixels of the panorama and the aerial projected with the
         panorama's ground geometry (the flat-ground part of the renderer);
  hist:  per-sector colour statistics of that projection vs the panorama's
         ground rows, each image normalised (a crude appearance-invariant descriptor).
A learnable but non-trivial task puts `hist` well above chance and far from 100%.

    python benchmarks/synthetic_crossview_baseline.py [--config default] [--count 300]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from tfds_builders.synthetic_crossview import panorama, pair_generator, synthetic_crossview_dataset_builder


def ground_projection(aerial: np.ndarray, settings: pair_generator.SceneSettings) -> np.ndarray:
    """The aerial seen as a panorama of flat ground (rows above the horizon left black)."""
    h, w = settings.ground_size
    s = settings.aerial_size
    el = np.deg2rad(panorama.row_elevations(h, *settings.elevation_range_deg))
    az = np.deg2rad(panorama.column_azimuths(w, 0.0))
    d = np.where(el < 0, settings.camera_height_m / np.maximum(-np.tan(el), 1e-9), 0.0)
    d = np.minimum(d, s / 2 * settings.mpp)[:, None] / settings.mpp
    map_x = ((s - 1) / 2 + np.sin(az)[None, :] * d).astype(np.float32)
    map_y = ((s - 1) / 2 - np.cos(az)[None, :] * d).astype(np.float32)
    out = cv2.remap(aerial, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out[el >= 0] = 0
    return out


def sector_descriptor(img: np.ndarray, rows: slice, sectors: int = 16, bands: int = 3) -> np.ndarray:
    """Mean chromaticity and z-scored brightness in azimuth sectors x distance bands."""
    x = img[rows].astype(np.float32) + 1.0
    total = x.sum(-1, keepdims=True)
    feats = np.concatenate([x[..., :2] / total, (total - total.mean()) / (total.std() + 1e-6) * 0.05], -1)
    h, w = feats.shape[:2]
    cells = cv2.resize(feats, (sectors, bands), interpolation=cv2.INTER_AREA)
    cells = cells - cells.mean(axis=(0, 1), keepdims=True)
    return cells.ravel() / (np.linalg.norm(cells) + 1e-9)


def recall(query: np.ndarray, ref: np.ndarray, top: int) -> float:
    """Share of queries whose own reference (same index) is among the `top` nearest by L2."""
    d = (query ** 2).sum(1)[:, None] - 2 * query @ ref.T + (ref ** 2).sum(1)[None, :]
    own = np.diag(d)
    rank = (d < own[:, None]).sum(1)
    return float((rank < top).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="default")
    parser.add_argument("--count", type=int, default=None, help="test pairs (default: the config's)")
    args = parser.parse_args()
    configs = {c.name: c for c in synthetic_crossview_dataset_builder.Builder.BUILDER_CONFIGS}
    if args.config not in configs:
        parser.error(f"--config must be one of {sorted(configs)}, got {args.config!r}")
    cfg = configs[args.config]
    settings, count = cfg.scene, args.count or cfg.test_pairs

    start = time.perf_counter()
    world = pair_generator.build_world(settings, "test", count)
    t_world = time.perf_counter() - start
    start = time.perf_counter()
    pairs = list(pair_generator.generate_pairs(settings, "test", count))
    t_all = time.perf_counter() - start
    print(f"config {args.config}: world {world.albedo.shape[0]}^2 px in {t_world:.2f} s; "
          f"{count} pairs (world included) in {t_all:.2f} s = {1000 * (t_all - t_world) / count:.2f} ms/pair after the world")

    h, w = settings.ground_size
    below = slice(int((panorama.row_elevations(h, *settings.elevation_range_deg) > 0).sum()), h)
    ground = np.stack([p.ground for p in pairs])
    aerial = np.stack([p.aerial for p in pairs])
    projected = np.stack([ground_projection(a, settings) for a in aerial])
    small = (8, 32)
    flat = lambda x: x.reshape(len(x), -1).astype(np.float32) / 255.0  # noqa: E731
    methods = {
        "raw": (flat(np.stack([cv2.resize(g, small[::-1], interpolation=cv2.INTER_AREA) for g in ground])),
                flat(np.stack([cv2.resize(a, small[::-1], interpolation=cv2.INTER_AREA) for a in aerial]))),
        "polar": (flat(ground[:, below]), flat(projected[:, below])),
        "hist": (np.stack([sector_descriptor(g, below) for g in ground]),
                 np.stack([sector_descriptor(p, below) for p in projected])),
    }
    top1pct = max(1, count // 100)
    print(f"chance: R@1 {100 / count:.2f}%, R@1% (top {top1pct}) {100 * top1pct / count:.2f}%")
    for name, (q, r) in methods.items():
        print(f"{name:6s} R@1 {100 * recall(q, r, 1):6.2f}%  R@1% {100 * recall(q, r, top1pct):6.2f}%  "
              f"R@10 {100 * recall(q, r, 10):6.2f}%")


if __name__ == "__main__":
    main()
