import os

import pytest

from cvgeo.data.datasets import DatasetError, load_split
from tfds_builders.cvact import cvact_dataset_builder
from tfds_builders.cvusa import cvusa_dataset_builder

CVUSA_DUMMY = os.path.join(os.path.dirname(cvusa_dataset_builder.__file__), "dummy_data")
CVACT_DUMMY = os.path.join(os.path.dirname(cvact_dataset_builder.__file__), "dummy_data")


def test_cvusa_without_files_says_where_to_get_them(tmp_path):
    with pytest.raises(DatasetError, match="(?s)no --data_dir was given.*mvrl.cse.wustl.edu"):
        load_split("cvusa", "train", tfds_dir=str(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError) as error:
        load_split("cvusa", "train", data_dir=str(tmp_path / "empty"), tfds_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    assert str(tmp_path / "empty") in message and "splits/train-19zl.csv" in message and "streetview/panos/<id>.jpg" in message


def test_registered_names_open_the_dummy_folders(tmp_path):
    assert len(list(load_split("cvusa", "test", data_dir=CVUSA_DUMMY, tfds_dir=str(tmp_path)))) == 2
    assert len(list(load_split("cvact", "val", data_dir=CVACT_DUMMY, tfds_dir=str(tmp_path)))) == 1
    assert len(list(load_split("cvact_test", "test", data_dir=CVACT_DUMMY, tfds_dir=str(tmp_path)))) == 2
    with pytest.raises(DatasetError, match="no split 'train'"):
        load_split("cvact_test", "train", data_dir=CVACT_DUMMY, tfds_dir=str(tmp_path))
