"""The table of evaluation protocols: name -> function(Descriptors, **options) -> ProtocolResult."""

from collections.abc import Callable

from cvgeo.evaluation.crosslocate_protocol import evaluate_crosslocate
from cvgeo.evaluation.cvact_test_protocol import evaluate_cvact_test
from cvgeo.evaluation.descriptors import Descriptors
from cvgeo.evaluation.errors import EvaluationError
from cvgeo.evaluation.paired_protocol import evaluate_paired
from cvgeo.evaluation.protocol_result import ProtocolResult
from cvgeo.evaluation.vigor_protocol import evaluate_vigor

PROTOCOLS: dict[str, Callable[..., ProtocolResult]] = {
    "cvusa": evaluate_paired,
    "cvact_val": evaluate_paired,
    "cvact_test": evaluate_cvact_test,
    "vigor": evaluate_vigor,
    "crosslocate": evaluate_crosslocate,
}


def evaluate_descriptors(descriptors: Descriptors, protocol: str = "cvusa", **options) -> ProtocolResult:
    """Runs `protocol` on `descriptors`; options: top_percent_rule, top_k, search_options, seed (crosslocate)."""
    if protocol not in PROTOCOLS:
        raise EvaluationError(f"unknown protocol {protocol!r}; available protocols: {', '.join(PROTOCOLS)}")
    if protocol == "crosslocate":
        options.pop("top_percent_rule", None)
    else:
        options.pop("seed", None)
    result = PROTOCOLS[protocol](descriptors, **options)
    result.metrics["protocol"] = protocol
    return result
