"""The error evaluation raises for bad input: a message a user can act on, no traceback needed."""

from cvgeo.errors import CvgeoError


class EvaluationError(CvgeoError):
    """Bad descriptors, a bad descriptor file or a protocol that cannot run on what it was given."""
