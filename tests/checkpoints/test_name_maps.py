"""Every model weight maps to exactly the original TF1 variable of the same shape (spec tables)."""

import pytest

import original_variables

from cvgeo.checkpoints.loader import tf1_variable_names
from cvgeo.models import build

CASES = {
    "cvm_net_i": (dict(query_shape=(32, 64), reference_shape=(32, 32), num_clusters=2), original_variables.cvm_net_i(k=2)),
    "cvm_net_ii": (dict(query_shape=(32, 64), reference_shape=(32, 32), num_clusters=2), original_variables.cvm_net_ii(k=2)),
    "ori_cnn": ({}, original_variables.ori_cnn()),
    "safa": ({}, original_variables.safa(positions=80)),  # native 112x616: 4x20 final grid
    "crosslocate": ({}, original_variables.crosslocate()),
    "crosslocate_two_branch": (dict(two_branch=True), original_variables.crosslocate(two_branch=True)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_names_and_shapes_equal_the_original(name):
    options, table = CASES[name]
    names = tf1_variable_names(build(name.removesuffix("_two_branch"), **options))
    assert {n: tuple(v.shape) for n, v in names.items()} == {n: shape for n, (shape, _) in table.items()}
