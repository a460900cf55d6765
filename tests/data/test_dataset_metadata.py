"""Dataset metadata has one home, the TFDS builders: cvgeo's registry reads it, its name list agrees."""

import importlib
import os
import subprocess
import sys

import pytest
import tensorflow_datasets as tfds

from cvgeo.data import dataset_spec, dataset_specs
from cvgeo.registry_names import DATASET_NAMES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILDER_MODULES = {
    "cvusa": "tfds_builders.cvusa.cvusa_dataset_builder",
    "cvact": "tfds_builders.cvact.cvact_dataset_builder",
    "vigor": "tfds_builders.vigor.vigor_dataset_builder",
    "vo_hays": "tfds_builders.vo_hays.vo_hays_dataset_builder",
    "crosslocate": "tfds_builders.crosslocate.crosslocate_dataset_builder",
}


def test_the_command_line_names_are_the_registry_names():
    # cvgeo.registry_names is what the CLIs check before TensorFlow starts; the registry is read
    # from the builders. A config added to (or renamed in) a builder fails here until both agree.
    assert sorted(DATASET_NAMES) == sorted(dataset_specs())
    assert len(set(DATASET_NAMES)) == len(DATASET_NAMES)


def test_every_builder_config_is_a_dataset_or_a_reference_gallery():
    named = {spec.tfds_name for spec in dataset_specs().values()}
    every_config = set()
    for builder_name in ("synthetic_crossview", *BUILDER_MODULES):
        configs = {f"{builder_name}/{c.name}" for c in tfds.builder_cls(builder_name).BUILDER_CONFIGS} or {builder_name}
        every_config |= configs
        galleries = configs - named
        if builder_name == "vigor":
            assert galleries == {"vigor/satellite"}
        elif builder_name == "crosslocate":  # each description's database views
            assert galleries == {f"{config}_database" for config in configs - galleries}
        elif builder_name == "synthetic_crossview":  # the tiles / renders of the VIGOR- / CrossLocate-style configs
            kinds = {"vigor": "_satellite", "crosslocate": "_database"}
            assert galleries == {
                f"{config}{suffix}" for config in configs - galleries for kind, suffix in kinds.items() if kind in config
            }
        else:
            assert not galleries, galleries
        # ... and each is the gallery of a dataset of its builder.
        assert galleries == {spec.gallery for spec in dataset_specs().values() if spec.gallery in configs}
    assert named <= every_config


@pytest.mark.parametrize("builder_name, module", sorted(BUILDER_MODULES.items()))
def test_download_instructions_and_source_come_from_the_builder(builder_name, module):
    builder_module = importlib.import_module(module)
    for spec in dataset_specs().values():
        if spec.tfds_name.partition("/")[0] == builder_name:
            assert spec.manual and spec.instructions == builder_module.Builder.MANUAL_DOWNLOAD_INSTRUCTIONS.strip()
            assert builder_module.SOURCE in spec.instructions


def test_names_map_to_configs_and_cvgeo_choices():
    assert dataset_spec("cvusa").tfds_name == "cvusa/raw"
    assert dataset_spec("cvusa_polar_toker").tfds_name == "cvusa/polar_toker"
    assert dataset_spec("vo_hays").tfds_name == "vo_hays"
    assert (dataset_spec("cvact").eval_split, dataset_spec("cvact_test_polar").eval_split) == ("val", "test")
    assert dataset_spec("crosslocate_sparse_depth").coordinates == "utm"
    assert dataset_spec("synthetic_crossview").coordinates == "xy" and not dataset_spec("synthetic_crossview").manual
    assert dataset_spec("synthetic_crossview/tiny").tfds_name == "synthetic_crossview/tiny"


def test_the_registry_module_imports_without_tensorflow():
    code = "import sys, cvgeo.data, cvgeo.registry_names; print('tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr
