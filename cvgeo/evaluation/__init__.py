"""Exact, streamed retrieval evaluation and every original protocol, on descriptors alone.

Evaluation never imports models: it receives `Descriptors` (see `descriptor_files` for the file formats).
"""

from cvgeo.evaluation.descriptor_files import read_descriptors, write_descriptors
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.exact_search import SearchResult, search
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.evaluation.protocols import PROTOCOLS, evaluate_descriptors
from cvgeo.evaluation.recall import TOP_PERCENT_RULES, recall_at_k, top_percent_k

__all__ = [
    "Descriptors", "EvaluationError", "PROTOCOLS", "ProtocolResult", "SearchResult", "TOP_PERCENT_RULES",
    "evaluate_descriptors", "read_descriptors", "recall_at_k", "search", "top_percent_k", "write_descriptors",
]
