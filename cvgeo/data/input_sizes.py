"""Can the input pipeline produce a model's inputs from a dataset's examples?

Each example must hold the images the pair pipeline reads: a street panorama (`ground`) and an
aerial tile (`aerial`), or for polar models a `polar` image or a tile to transform. The originals'
INTER_AREA resizes only shrink images (`area_resize` refuses to enlarge), so a model input larger
than the dataset's images cannot be made. Both are said with the flags to set, before any network
is built.
"""

from cvgeo.data.pair_inputs import PairInputOptions
from cvgeo.errors import CvgeoError


class InputSizeError(CvgeoError):
    """A model input size the pipeline cannot produce from the dataset's images."""


def check_input_sizes(element_spec: dict, options: PairInputOptions) -> None:
    """Raises InputSizeError when an example lacks an image the model needs, or when a resized input
    would be larger than its source image.

    Only statically known image sizes are checked; the polar transform and INTER_CUBIC can enlarge.
    """
    _check_features(element_spec, options)
    checks = []
    if options.ground_interpolation == "area":
        checks.append(("ground", "query", options.query_shape))
    if options.reference_feature == "aerial":
        checks.append(("aerial", "reference", options.reference_shape))
    for feature, branch, wanted in checks:
        spec = element_spec.get(feature)
        if spec is None or spec.shape.rank != 3 or not spec.shape[:2].is_fully_defined():
            continue
        available = tuple(int(s) for s in spec.shape[:2])
        if wanted[0] > available[0] or wanted[1] > available[1]:
            raise InputSizeError(
                f"the model's {branch} input is {wanted[0]}x{wanted[1]} but the dataset's {feature} images are "
                f"{available[0]}x{available[1]}, and the pipeline only shrinks them (INTER_AREA, as the originals); "
                f"set --{branch}_height and --{branch}_width to at most {available[0]} and {available[1]}"
            )


def _check_features(element_spec: dict, options: PairInputOptions) -> None:
    polar = options.reference_feature == "polar" or options.polar_target_shape is not None
    needed = [("ground", "street panoramas")]
    needed.append(("polar", "polar aerial images or aerial tiles") if polar else ("aerial", "aerial tiles"))
    for feature, what in needed:
        present = feature in element_spec or (feature == "polar" and "aerial" in element_spec)
        if not present:
            raise InputSizeError(
                f"--dataset: its examples have no {what} ('{feature}'; they hold {', '.join(sorted(element_spec))}); "
                "train.py trains on one street panorama and one aerial image per example "
                "(CrossLocate's and VIGOR's galleries are not trained through it yet)"
            )
