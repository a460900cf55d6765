"""Geo neighbours for CrossLocate mining: cvgeo's k-d tree index against the original's dense matrices.

cvgeo (`cvgeo.mining.positives_and_non_negatives`): positives (<= 20 m, <= 15 degrees yaw) and
non-negatives (<= 2,000 m) of every query from a k-d tree over ECEF coordinates, the exact WGS84
geodesic deciding only the candidates in a thin band at each radius. The original
(`precomputeLocationDistancesWGS`, spec 5.1) fills a dense query x database float64 matrix of
Vincenty distances (pymap3d `vdist`, one query row at a time) plus its square, then thresholds it;
it is timed on a few rows here and extrapolated, since 10,000 x 1,000,000 x 16 bytes does not fit in
memory. Queries and views are uniform over a square of `--area_km` a side in the Alps (CrossLocate's
region). The result is checked against a brute-force geodesic scan of the whole database for
`--check_queries` queries.

    PYTHONPATH=. python benchmarks/geo_neighbours.py --queries=10000 --database=1000000
"""

from __future__ import annotations

import os
import resource
import time

from absl import app, flags

import numpy as np

FLAGS = flags.FLAGS
flags.DEFINE_integer("queries", 10_000, "Query positions.")
flags.DEFINE_integer("database", 1_000_000, "Database view positions.")
flags.DEFINE_float("area_km", 100.0, "Side of the square (km) the positions are drawn from.")
flags.DEFINE_integer("check_queries", 20, "Queries checked against a brute-force geodesic scan.")
flags.DEFINE_integer("dense_rows", 3, "Query rows of the original's dense matrix to time (pymap3d extra).")
flags.DEFINE_integer("seed", 0, "Seed of the positions and headings.")

CENTRE = (46.5, 9.8)  # lat, lon: the Alps


def _positions(rng: np.random.Generator, count: int) -> np.ndarray:
    half_km = FLAGS.area_km / 2.0
    north = rng.uniform(-half_km, half_km, count) / 111.2
    east = rng.uniform(-half_km, half_km, count) / (111.2 * np.cos(np.radians(CENTRE[0])))
    return np.stack([CENTRE[0] + north, CENTRE[1] + east], axis=1)


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv) -> None:
    del argv
    from cvgeo.geometry.geodesy import wgs84_distance, yaw_difference
    from cvgeo.mining.geo_neighbours import GeoIndex, positives_and_non_negatives

    rng = np.random.default_rng(FLAGS.seed)
    database, queries = _positions(rng, FLAGS.database), _positions(rng, FLAGS.queries)
    database_yaw, query_yaw = rng.uniform(0, 360, FLAGS.database), rng.uniform(0, 360, FLAGS.queries)
    print(f"{FLAGS.queries:,} queries, {FLAGS.database:,} views over {FLAGS.area_km:g} km x {FLAGS.area_km:g} km; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")

    start = time.perf_counter()
    index = GeoIndex(latlon=database)
    built = time.perf_counter() - start
    positives, near = positives_and_non_negatives(index, queries, query_yaw, database_yaw)
    total = time.perf_counter() - start
    print(f"cvgeo: index {built:.2f} s, index + positives + non-negatives {total:.2f} s "
          f"({sum(map(len, near)) / FLAGS.queries:.0f} non-negatives and {sum(map(len, positives)) / FLAGS.queries:.3f} "
          f"positives per query), peak RSS {_peak_rss_gib():.2f} GiB, load {os.getloadavg()[0]:.2f}")

    for q in rng.choice(FLAGS.queries, FLAGS.check_queries, replace=False):
        metres = wgs84_distance(queries[q, 0], queries[q, 1], database[:, 0], database[:, 1])
        assert np.array_equal(near[q], np.flatnonzero(metres <= 2000.0)), f"query {q}: non-negatives differ"
        brute = np.flatnonzero((metres <= 20.0) & (yaw_difference(query_yaw[q], database_yaw) <= 15.0))
        assert np.array_equal(positives[q], brute), f"query {q}: positives differ"
    print(f"equal to a brute-force geodesic scan of all {FLAGS.database:,} views for {FLAGS.check_queries} queries")

    try:
        from pymap3d.vincenty import vdist
    except ImportError:
        print("the original's dense matrix: pymap3d is not installed (pip install 'pymap3d>=1.7.10,<2.2'), not timed")
        return
    rows = np.zeros((FLAGS.dense_rows, FLAGS.database))
    start = time.perf_counter()
    for q in range(FLAGS.dense_rows):
        # CrossLocate `precomputeLocationDistancesWGS`: one query against every view, NaN (coincident) -> 0.
        result = vdist(queries[q, 0], queries[q, 1], database[:, 0], database[:, 1])
        rows[q] = np.nan_to_num(np.asarray(result[0], np.float64))
    per_row = (time.perf_counter() - start) / FLAGS.dense_rows
    karney = wgs84_distance(queries[0, 0], queries[0, 1], database[:, 0], database[:, 1])
    print(f"Vincenty (original) vs Karney (cvgeo) on row 0: max difference {np.max(np.abs(rows[0] - karney)) * 1e3:.4f} mm")
    matrix_gib = FLAGS.queries * FLAGS.database * 16 / 2**30
    print(f"original dense: {per_row:.2f} s per query row -> {per_row * FLAGS.queries / 3600:.1f} h for all "
          f"{FLAGS.queries:,} (extrapolated from {FLAGS.dense_rows} rows), distance + squared matrices "
          f"{matrix_gib:,.0f} GiB; ratio {per_row * FLAGS.queries / total:,.0f}x")


if __name__ == "__main__":
    app.run(main)
