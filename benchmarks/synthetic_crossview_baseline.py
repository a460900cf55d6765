"""Generation speed and a learnability check of the synthetic cross-view dataset.

Generates the test split of a config without TFDS, times it, and matches every
panorama against every aerial tile with three hand-made methods:
  raw:   L2 between raw pixels, both images shrunk to 8x32, no geometry;
  polar: L2 between raw pixels of the panorama and the aerial projected with the
         panorama's ground geometry (the flat-ground part of the renderer);
  hist:  per-sector colour statistics of that projection vs the panorama's
         ground rows, each image normalised (a crude appearance-invariant descriptor).
A learnable but non-trivial task puts `hist` well above chance and far from 100%.
R@1% uses cvgeo's default top-1% rule (cvgeo.evaluation.top_percent_k).

    python benchmarks/synthetic_crossview_baseline.py [--config default] [--count 300] [--time_train]
"""

from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np

from cvgeo.evaluation import recall_at_k, top_percent_k
from tfds_builders.synthetic_crossview import panorama, pair_generator, synthetic_crossview_dataset_builder


def ground_projection(aerial: np.ndarray, settings: pair_generator.SceneSettings) -> np.ndarray:
    """The aerial seen as a panorama of flat ground: the renderer with every height at zero."""
    s = settings.aerial_size
    flat = np.zeros((s, s), np.float32)
    out, layer = panorama.render_panorama(
        aerial, flat, np.zeros_like(aerial), flat.astype(np.uint8), settings.mpp, settings.ground_size,
        0.0, settings.camera_height_m, settings.elevation_range_deg)
    out[layer == panorama.SKY] = 0
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


def ranks(query: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """For each query, how many references are nearer (L2) than its own (same index)."""
    d = (query ** 2).sum(1)[:, None] - 2 * query @ ref.T + (ref ** 2).sum(1)[None, :]
    return (d < np.diag(d)[:, None]).sum(1)


def _timed(settings: pair_generator.SceneSettings, split: str, count: int) -> list[pair_generator.Pair]:
    """Generate a split, printing wall and CPU seconds (CPU time is what a quiet core would take)."""
    wall, cpu = time.perf_counter(), time.process_time()
    world = pair_generator.build_world(settings, split, count)
    world_wall, world_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    pairs = list(pair_generator.generate_pairs(settings, split, count))
    wall, cpu = time.perf_counter() - wall - world_wall, time.process_time() - cpu - world_cpu
    print(f"{split}: world {world.albedo.shape[0]}^2 px in {world_cpu:.2f} s CPU ({world_wall:.2f} s wall); "
          f"{count} pairs in {cpu:.2f} s CPU ({wall:.2f} s wall) = {1000 * cpu / count:.2f} ms CPU per pair; "
          f"load average {os.getloadavg()[0]:.1f}")
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="default")
    parser.add_argument("--count", type=int, default=None, help="test pairs (default: the config's)")
    parser.add_argument("--time_train", action="store_true", help="also generate and time the train split")
    args = parser.parse_args()
    configs = {c.name: c for c in synthetic_crossview_dataset_builder.Builder.BUILDER_CONFIGS}
    if args.config not in configs:
        parser.error(f"--config must be one of {sorted(configs)}, got {args.config!r}")
    cfg = configs[args.config]
    settings, count = cfg.scene, args.count or cfg.test_pairs

    if args.time_train:
        _timed(settings, "train", cfg.train_pairs)
    pairs = _timed(settings, "test", count)

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
    top1pct = top_percent_k(count)
    print(f"chance: R@1 {100 / count:.2f}%, R@1% (top {top1pct}) {100 * top1pct / count:.2f}%, R@10 {1000 / count:.2f}%")
    for name, (q, r) in methods.items():
        rank = ranks(q, r)
        print(f"{name:6s} R@1 {recall_at_k(rank, 1):6.2f}%  R@1% {recall_at_k(rank, top1pct):6.2f}%  "
              f"R@10 {recall_at_k(rank, 10):6.2f}%")

if __name__ == "__main__":
    main()
