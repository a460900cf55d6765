"""Shared test set-up: quiet TensorFlow, CPU only, seeded."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return
    skip = pytest.mark.skip(reason="needs a GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _release_models():
    """Frees each test's Keras models: a CVM-Net with Adam slots holds ~2 GB."""
    yield
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()
