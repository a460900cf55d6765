"""Exact retrieval evaluation: streamed (cvgeo) vs the originals' dense matrix vs one raw GEMM.

Also a float64 brute force (chunked float64 GEMMs) as the check of exactness: cvgeo's ranks are defined
on the float64 similarity, the originals' on a float32 one whose near-ties depend on the BLAS.

Each measurement runs in its own subprocess so peak memory (ru_maxrss) is its own; timings exclude
interpreter start-up, imports and loading the descriptors. Descriptors are seeded random unit
vectors, row i of the queries paired with row i of the references (the CVUSA protocol).

    PYTHONPATH=. python benchmarks/evaluation_speed.py --num_queries=30000 --num_references=30000 --dim=512 --repeats=3
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

_MEASURE = r"""
import json, resource, sys, time
import numpy as np
mode, folder = sys.argv[1], sys.argv[2]
query = np.load(folder + "/query.npy")
reference = np.load(folder + "/reference.npy")
if mode == "streamed":
    from cvgeo.evaluation import Descriptors, evaluate_descriptors
    descriptors = Descriptors(query=query, reference=reference)
extra = {}
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if mode == "gemm":
    similarity = query @ reference.T
    ranks = None
elif mode == "dense":
    # The originals (CVM-Net / SAFA validate): the whole distance matrix 2 - 2 q.r, then for each query
    # the references strictly closer than its pair (vectorised here; the originals loop in Python).
    distance = 2.0 - 2.0 * (query @ reference.T)
    ground_truth = np.diagonal(distance).copy()
    ranks = np.count_nonzero(distance < ground_truth[:, None], axis=1)
elif mode == "float64":
    reference64 = reference.astype(np.float64)
    ranks = np.empty(len(query), np.int64)
    for start_row in range(0, len(query), 1024):
        rows = query[start_row : start_row + 1024].astype(np.float64) @ reference64.T
        truth = rows[np.arange(len(rows)), np.arange(start_row, start_row + len(rows))]
        ranks[start_row : start_row + len(rows)] = np.count_nonzero(rows > truth[:, None], axis=1)
else:
    result = evaluate_descriptors(descriptors, "cvusa")
    ranks = result.ranks
    extra["rechecked_pairs"] = result.metrics["rechecked_pairs"]
seconds = time.perf_counter() - start
if ranks is not None:
    np.save(folder + f"/ranks_{mode}.npy", ranks)
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_after_load_mb": rss_loaded / 1024, **extra}))
"""


def _run(mode: str, folder: str) -> dict:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode, folder], capture_output=True, text=True, cwd=repo,
        env={**os.environ, "PYTHONPATH": repo},
    )
    if output.returncode != 0:  # the dense matrix may not fit: the kernel kills the process
        return {"failed": f"exit status {output.returncode} (-9: killed, out of memory)"}
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_queries", type=int, default=30000)
    parser.add_argument("--num_references", type=int, default=30000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pair_strength", type=float, default=0.35,
                        help="weight of the query in its reference; lower puts ground truths among the crowd")
    parser.add_argument("--modes", default="gemm,streamed,dense,float64")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        for name, rows in (("query", args.num_queries), ("reference", args.num_references)):
            data = rng.standard_normal((rows, args.dim), dtype=np.float32)
            data /= np.linalg.norm(data, axis=1, keepdims=True)
            if name == "reference":  # pairs share most of their direction, like trained descriptors
                data = args.pair_strength * np.load(folder + "/query.npy")[:rows] + data if rows <= args.num_queries else data
                data /= np.linalg.norm(data, axis=1, keepdims=True)
            np.save(f"{folder}/{name}.npy", data.astype(np.float32))
        modes = args.modes.split(",")
        runs = {mode: [] for mode in modes}
        for repeat in range(args.repeats):
            for mode in modes:  # interleaved, so load changes on a shared machine hit every mode alike
                runs[mode].append(_run(mode, folder))
                print(f"repeat {repeat} {mode:9s} {runs[mode][-1]}", flush=True)
        print(f"\n{args.num_queries} x {args.num_references} x {args.dim}, {os.cpu_count()} CPU cores")
        runs = {mode: [r for r in results if "seconds" in r] for mode, results in runs.items()}
        gemm = min(r["seconds"] for r in runs["gemm"]) if runs.get("gemm") else None
        print(f"{'mode':10s} {'best s':>8s} {'median s':>9s} {'max s':>8s} {'x GEMM':>7s} {'peak RSS MB':>12s}")
        for mode, results in runs.items():
            if not results:
                print(f"{mode:10s} failed in every repeat")
                continue
            seconds = sorted(r["seconds"] for r in results)
            ratio = f"{seconds[0] / gemm:7.2f}" if gemm else "      -"
            peak = max(r["peak_rss_mb"] for r in results)
            print(f"{mode:10s} {seconds[0]:8.2f} {np.median(seconds):9.2f} {seconds[-1]:8.2f} {ratio} {peak:12.0f}")
        if runs.get("streamed"):
            pairs = args.num_queries * args.num_references
            rechecked = max(r["rechecked_pairs"] for r in runs["streamed"])
            print(f"re-checked pairs: {rechecked} of {pairs} ({rechecked / pairs:.2e})")
            streamed = np.load(folder + "/ranks_streamed.npy")
            for other in ("float64", "dense"):
                if runs.get(other):
                    differ = np.count_nonzero(np.load(f"{folder}/ranks_{other}.npy") != streamed)
                    print(f"streamed ranks differing from {other}: {differ} of {len(streamed)}")


if __name__ == "__main__":
    main()
