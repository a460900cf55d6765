"""CrossLocate's triplet mining on cached descriptors (`core/TripletGenerator`, spec 6.2-6.6).

Per query: the positive is the qualifying view nearest in descriptor space; negatives are sampled
from views farther than the non-negative radius, the nearest of them filtered by the mining strategy,
over two attempts (the second also offers the query's last negatives), kept hardest first, at most
`negatives` of them, and padded cyclically when fewer were found. Pure numpy; the task holds the
descriptor cache and refreshes it.
"""

from dataclasses import dataclass

import numpy as np

STRATEGIES = ("semihard_and_hard", "semihard", "none")


@dataclass(frozen=True)
class MiningSettings:
    """CrossLocate's defaults (`train.py` trainParams, spec 2.2 and 6)."""

    negatives: int = 10  # numberOfNegatives
    sampled: int = 4000  # numberOfSampledNegatives
    nearest_factor: int = 10  # kNN over the sample keeps min(10 * negatives, pool)
    attempts: int = 2  # negativeSampleAttempts
    margin: float = 0.2  # mining margin on squared distances
    strategy: str = "semihard_and_hard"  # validation: "none"
    reuse_negatives: bool = True

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")


def nearest_positive(query: np.ndarray, database: np.ndarray, positives: np.ndarray) -> tuple[int, float]:
    """The positive view nearest to the query descriptor (lowest index on ties) and its squared distance."""
    squared = np.sum((database[positives].astype(np.float64) - query.astype(np.float64)) ** 2, axis=1)
    best = int(np.argmin(squared))
    return int(positives[best]), float(squared[best])


def sample_negatives(rng: np.random.Generator, num_database: int, non_negatives: np.ndarray, count: int) -> np.ndarray:
    """`count` distinct views outside `non_negatives` (CrossLocate draws 1.1 x count at a time until
    enough remain, then subsamples). Raises ValueError when fewer negatives exist, where the
    original loops forever."""
    available = num_database - len(np.unique(non_negatives))
    if available < count:
        raise ValueError(
            f"only {available} negative views for {count} sampled negatives; lower the number of sampled negatives"
        )
    collected: set[int] = set()
    excluded = np.asarray(non_negatives, np.int64)
    draw = min(round(1.1 * count), num_database)
    while len(collected) < count:
        picked = rng.choice(num_database, size=draw, replace=False)
        collected.update(np.setdiff1d(picked, excluded).tolist())
    pool = np.fromiter(collected, np.int64)
    return rng.choice(pool, size=count, replace=False)


def mine_negatives(
    query: np.ndarray,
    positive_squared: float,
    database: np.ndarray,
    draw_sample,
    last_negatives: list[int],
    settings: MiningSettings,
) -> list[int]:
    """The query's negatives, hardest first, at most `settings.negatives` (maybe none: skip the query).

    Args:
      query: the query descriptor [D]; positive_squared: its squared distance to the positive.
      database: cached database descriptors [R, D].
      draw_sample: () -> view indices of one negative sample (see `sample_negatives`).
      last_negatives: the query's negatives of its previous batch (offered again on the last attempt).
    """
    chosen: list[int] = []
    for attempt in range(settings.attempts):
        sample = np.asarray(draw_sample(), np.int64)
        if attempt == settings.attempts - 1 and settings.reuse_negatives and last_negatives:
            sample = np.concatenate([sample, np.asarray(last_negatives, np.int64)])
        squared = np.sum((database[sample].astype(np.float64) - query.astype(np.float64)) ** 2, axis=1)
        nearest = np.argsort(squared, kind="stable")[: min(settings.nearest_factor * settings.negatives, len(sample))]
        if settings.strategy == "semihard_and_hard":
            nearest = nearest[squared[nearest] < positive_squared + settings.margin]
        elif settings.strategy == "semihard":
            keep = (squared[nearest] >= positive_squared) & (squared[nearest] < positive_squared + settings.margin)
            nearest = nearest[keep]
        for view in sample[nearest].tolist():
            if view not in chosen:
                chosen.append(view)
        if len(chosen) >= settings.negatives:
            break
    return chosen[: settings.negatives]


def remember_negatives(last: list[int], chosen: list[int], count: int) -> list[int]:
    """CrossLocate's reuse memory: a full set replaces it; otherwise the new ones go first, then the
    old ones not among them, `count` at most."""
    if len(chosen) == count:
        return list(chosen)
    return (list(chosen) + [view for view in last if view not in chosen])[:count]


def pad_cyclic(views: list[int], count: int) -> list[int]:
    """Fills the negatives to `count` by cycling through those found (spec 6.6)."""
    if not views:
        raise ValueError("no negatives to pad: the query is skipped")
    return [views[i % len(views)] for i in range(count)]
