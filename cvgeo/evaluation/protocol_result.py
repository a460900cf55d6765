"""What a protocol returns: JSON-ready metrics plus the arrays plots are drawn from."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ProtocolResult:
    """metrics: name -> number/list (JSON-ready; recalls in percent).
    ranks: [Q] rank of each query's ground truth (None where the protocol has none).
    top_indices: [Q, k] best references per query, best first (None where not computed).
    curves: name -> (x, y) for distance-recall style plots.
    """

    metrics: dict
    ranks: np.ndarray | None = None
    top_indices: np.ndarray | None = None
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
