"""Small registered networks so the training loop's logic can be tested in seconds.

The loop is model-agnostic; CVM-Net itself is exercised by test_train_step.py and the slow
end-to-end test. `small_net` is a real two-branch CrossViewModel (conv -> pool -> L2);
`small_toker` is a TokerModel (generator with a bottleneck, street branch with batch norm,
reference head) for Toker's task, trained with the real discriminator.
"""

import keras
import pytest

from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.models import registry
from cvgeo.layers.global_batch_normalization import GlobalBatchNormalization
from cvgeo.models.cross_view_model import CrossViewModel
from cvgeo.models.toker import TokerModel


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


def build_small_toker(query_shape=(24, 96), reference_shape=(24, 96)) -> TokerModel:
    street = keras.Input((*query_shape, 3), name="street")
    polar = keras.Input((*reference_shape, 3), name="polar")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(polar)
    for index in range(3):
        x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name=f"encoder_{index}")(x)
    bottleneck = x
    for index in range(3):
        x = keras.layers.UpSampling2D(2)(x)
        x = keras.layers.Conv2D(8 if index < 2 else 3, 3, padding="same", name=f"decoder_{index}")(x)
    synthesized = keras.layers.Activation("tanh")(x)
    y = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(street)
    y = keras.layers.Conv2D(8, 3, strides=2, name="street_conv")(y)
    y = keras.layers.ReLU()(GlobalBatchNormalization(name="street_bn")(y))
    street_descriptor = L2Normalization()(keras.layers.Dense(16, name="street_fc")(keras.layers.GlobalAveragePooling2D()(y)))
    head_input = keras.Input(bottleneck.shape[1:], name="bottleneck")
    head_fc = keras.layers.Dense(16, name="polar_fc")
    head = lambda features: L2Normalization()(head_fc(keras.layers.GlobalAveragePooling2D()(features)))  # noqa: E731
    return TokerModel(
        query_input=street, query_output=street_descriptor, reference_input=polar, reference_output=head(bottleneck),
        synthesized=synthesized, bottleneck=bottleneck, reference_head=keras.Model(head_input, head(head_input)),
        descriptor_dim=16, name="small_toker",
    )


SMALL_MODELS = {
    "small_net": registry.ModelSpec(build_small_net, (16, 64), (32, 32), 16, "test stand-in"),
    "small_toker": registry.ModelSpec(build_small_toker, (24, 96), (24, 96), 16, "test stand-in", reference_feature="polar"),
}


@pytest.fixture
def small_net(monkeypatch):
    spec = registry.ModelSpec(build_small_net, (16, 64), (32, 32), 16, "test stand-in")
    monkeypatch.setitem(registry.MODELS, "small_net", spec)
    return "small_net"
