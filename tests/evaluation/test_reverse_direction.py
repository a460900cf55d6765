"""Aerial -> street retrieval is the paired search with the two sides swapped (hand-checked ranks)."""

import numpy as np
import pytest

from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.reverse_direction import reverse_direction_metrics, swap_directions


def test_ranks_of_the_swapped_search():
    query = np.array([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.9, 0.8, 0.7, 0], [1, 1, 1, 0.5]], np.float32)
    descriptors = Descriptors(query=query, reference=np.eye(4, dtype=np.float32), query_ids=np.array(list("abcd")))
    swapped = swap_directions(descriptors)
    assert swapped.reference is query and list(swapped.reference_ids) == list("abcd") and swapped.query_ids is None
    # Aerial i scores street j by query[j, i]: columns [1 .5 .9 1], [0 .5 .8 1], [0 0 .7 1], [0 0 0 .5]
    # give ranks 0 (a tie favours the query), 2, 1, 0.
    metrics = reverse_direction_metrics(descriptors, top_percent_rule="toker")
    assert metrics["aerial_to_street/recall@1"] == 50.0
    assert metrics["aerial_to_street/recall@5"] == 100.0
    assert metrics["aerial_to_street/recall@1%_k"] == 1  # toker: ceil(0.04)


def test_needs_row_pairs():
    with pytest.raises(EvaluationError, match="row-paired"):
        swap_directions(Descriptors(query=np.eye(2, 3, dtype=np.float32), reference=np.eye(3, dtype=np.float32)))
