"""The index file: clear errors for missing and malformed files."""

import numpy as np
import pytest

from cvgeo.inference.localization_index import IndexFileError, LocalizationIndex


def test_bad_index_files(tmp_path):
    with pytest.raises(IndexFileError, match="does not exist"):
        LocalizationIndex.load(str(tmp_path / "none.npz"))
    np.savez(tmp_path / "bad.npz", descriptors=np.ones((2, 3)))
    with pytest.raises(IndexFileError, match="lacks 'metadata', 'model_config'"):
        LocalizationIndex.load(str(tmp_path / "bad.npz"))
    LocalizationIndex(np.ones((2, 3), np.float32), {"family": "safa"}).save(str(tmp_path / "shapeless.npz"))
    with pytest.raises(IndexFileError, match="'query_shape'"):
        LocalizationIndex.load(str(tmp_path / "shapeless.npz"))
