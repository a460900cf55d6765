"""A small registered network so the training loop's logic can be tested in seconds.

The loop is model-agnostic; CVM-Net itself is exercised by test_train_step.py and the slow
end-to-end test. The stand-in is a real two-branch CrossViewModel (conv -> pool -> L2).
"""

import keras
import pytest

from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.models import registry
from cvgeo.models.cross_view_model import CrossViewModel


def build_small_net(query_shape=(16, 64), reference_shape=(32, 32), dropout_rate: float = 0.0) -> CrossViewModel:
    inputs, outputs = [], []
    for branch, shape in (("grd", query_shape), ("sat", reference_shape)):
        images = keras.Input((*shape, 3), name=f"{branch}_images")
        x = keras.layers.Rescaling(1 / 255.0)(images)
        x = keras.layers.Conv2D(8, 3, strides=2, activation="relu", name=f"{branch}_conv")(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        if dropout_rate:  # a random draw in the step, for tests of exact resume
            x = keras.layers.Dropout(dropout_rate, name=f"{branch}_dropout")(x)
        x = keras.layers.Dense(16, name=f"{branch}_fc")(x)
        inputs.append(images)
        outputs.append(L2Normalization()(x))
    return CrossViewModel(
        query_input=inputs[0], query_output=outputs[0], reference_input=inputs[1],
        reference_output=outputs[1], descriptor_dim=16, name="small_net",
    )


@pytest.fixture
def small_net(monkeypatch):
    spec = registry.ModelSpec(build_small_net, (16, 64), (32, 32), 16, "test stand-in")
    monkeypatch.setitem(registry.MODELS, "small_net", spec)
    return "small_net"
