"""The error evaluation raises for bad input: a message a user can act on, no traceback needed."""


class EvaluationError(ValueError):
    """Bad descriptors, a bad descriptor file or a protocol that cannot run on what it was given."""
