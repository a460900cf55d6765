"""matplotlib, imported on demand (the optional `plots` extra) with a headless backend."""

from cvgeo.errors import CvgeoError


def pyplot():
    """matplotlib.pyplot with the Agg backend, or a CvgeoError saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise CvgeoError("plots need matplotlib: install the 'plots' extra (pip install 'cvgeo[plots]')") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
