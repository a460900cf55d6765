"""Approximate (faiss) vs exact search: recall@K and time on seeded synthetic paired descriptors.

    PYTHONPATH=. python benchmarks/approximate_search_recall.py --num_references=20000 --dim=256
"""

import argparse
import time

import numpy as np

from cvgeo.evaluation import search
from cvgeo.evaluation.approximate_search import IndexOptions, ShardedIndex, ranks_from_top_k
from cvgeo.evaluation.recall import recall_at_k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_queries", type=int, default=5000)
    parser.add_argument("--num_references", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--noise", type=float, default=3.5, help="query = its reference + noise (sets the difficulty)")
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((args.num_references, args.dim)).astype(np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    query = reference[: args.num_queries] + args.noise * rng.standard_normal((args.num_queries, args.dim)).astype(np.float32) / np.sqrt(args.dim)
    query /= np.linalg.norm(query, axis=1, keepdims=True)
    gt = np.arange(args.num_queries)
    ks = (1, 5, 10)

    start = time.perf_counter()
    exact = search(query, reference, ground_truth=gt, k=10)
    exact_seconds = time.perf_counter() - start
    rows = [("exact (streamed)", exact_seconds, 0.0, [recall_at_k(exact.ranks, k) for k in ks], 100.0)]
    pq_m = 32 if args.dim % 32 == 0 else 16
    for label, options in (
        ("faiss flat", IndexOptions(kind="flat")),
        ("faiss ivf nprobe=16", IndexOptions(kind="ivf", nprobe=16)),
        ("faiss ivf nprobe=64", IndexOptions(kind="ivf", nprobe=64)),
        (f"faiss ivfpq m={pq_m} nprobe=64", IndexOptions(kind="ivfpq", nprobe=64, pq_m=pq_m)),
    ):
        start = time.perf_counter()
        index = ShardedIndex(reference, options, num_shards=args.shards)
        built = time.perf_counter() - start
        start = time.perf_counter()
        indices, _ = index.search(query, 10, candidates=100)
        searched = time.perf_counter() - start
        ranks = ranks_from_top_k(indices, gt)
        overlap = 100.0 * np.mean(indices[:, 0] == exact.top_indices[:, 0])
        rows.append((label, searched, built, [recall_at_k(ranks, k) for k in ks], overlap))
    print(f"{args.num_queries} queries x {args.num_references} references x {args.dim}, {args.shards} shards, "
          "re-ranking 100 candidates per shard")
    print(f"{'method':30s} {'search s':>9s} {'build s':>8s} {'R@1':>7s} {'R@5':>7s} {'R@10':>7s} {'top-1 = exact':>14s}")
    for label, seconds, built, recalls, overlap in rows:
        print(f"{label:30s} {seconds:9.2f} {built:8.2f} " + " ".join(f"{r:7.2f}" for r in recalls) + f" {overlap:13.1f}%")


if __name__ == "__main__":
    main()
