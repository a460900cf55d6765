"""Using a trained network: load it from a run folder or checkpoint, describe a split, localize photos.

Inference sits above models, checkpoints, data and evaluation and never imports training (training
uses it: the run folder layout and `describe_examples` for validation).
"""

from cvgeo.inference.index_building import build_index, index_split
from cvgeo.inference.localization import format_answers, localize, localize_files
from cvgeo.inference.localization_index import IndexFileError, LocalizationIndex
from cvgeo.inference.query_images import read_query_images
from cvgeo.inference.run_directory import RunDirectoryError
from cvgeo.inference.split_descriptors import describe_examples, describe_split
from cvgeo.inference.trained_model import load_trained_model

__all__ = [
    "IndexFileError", "LocalizationIndex", "RunDirectoryError", "build_index", "describe_examples", "describe_split",
    "format_answers", "index_split", "load_trained_model", "localize", "localize_files", "read_query_images",
]
