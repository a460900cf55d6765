"""The error for builder options a network cannot take (sizes, option values, auxiliary files)."""

from cvgeo.errors import CvgeoError


class ModelOptionError(CvgeoError, ValueError):
    """A model option is invalid for this network; the message names the option and what is expected."""
