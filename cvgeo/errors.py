"""The root of cvgeo's user-facing errors.

Every error caused by what a user passed (a flag, a file, a folder) derives from `CvgeoError`; the
command-line tools print its message, one clear line or paragraph, and exit non-zero without a
traceback. Anything else is a bug and keeps its traceback.
"""


class CvgeoError(Exception):
    """An error in the user's input; its message names the file or flag and what was expected."""
