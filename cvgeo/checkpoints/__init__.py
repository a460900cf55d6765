"""Loading checkpoints into cvgeo models: original TF1 checkpoints, cvgeo's own, ImageNet VGG16 / ResNet-34 files.

`load(model, path)` is the entry point; `python -m cvgeo.checkpoints convert ...` converts an
original checkpoint into a `.weights.h5` file with a manifest.
"""

from cvgeo.checkpoints.convert import convert
from cvgeo.checkpoints.errors import CheckpointMismatchError, CheckpointPathError, WeightsFileError
from cvgeo.checkpoints.imagenet import load_imagenet_vgg16
from cvgeo.checkpoints.imagenet_resnet34 import load_imagenet_resnet34
from cvgeo.checkpoints.loader import LoadReport, load
from cvgeo.checkpoints.manifest import read_manifest
from cvgeo.checkpoints.native import save_weights
from cvgeo.checkpoints.toker_pth import load_toker_pth

__all__ = [
    "CheckpointMismatchError",
    "CheckpointPathError",
    "LoadReport",
    "convert",
    "load",
    "load_imagenet_resnet34",
    "load_imagenet_vgg16",
    "load_toker_pth",
    "read_manifest",
    "save_weights",
    "WeightsFileError",
]
