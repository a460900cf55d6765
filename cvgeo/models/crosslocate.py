"""CrossLocate (Tomešek et al., WACV 2022): VGG16 conv1-conv13 with MAC pooling, 512-d.

Follows the authors' TF1 code (`networks/VGG16.py`, `NeuralNetwork.aggregationLayers`) for the
default VGG16 + pre-L2 + MAC + post-L2 network. Layer names map onto the TF1 scopes `conv1`..`conv13`
(`conv1_1`..`conv13_1` for the second network of a two-branch model, see `cvgeo.checkpoints`).
"""

import keras

from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.vgg import vgg16_features
from cvgeo.models.cross_view_model import CrossViewModel

INPUT_SHAPE = (224, 224)  # train.py inputDimensions; the released checkpoint used 500x500
DESCRIPTOR_DIM = 512


def _branch(images, prefix: str):
    # No preprocessing at all: TensorAssembler feeds raw 0..255 RGB (cast to float32) to the network.
    x = keras.layers.Rescaling(1.0, name=f"{prefix}_input_float")(images)  # only casts to float32
    # VGG16.py with pooling != NONE: 4 SAME pools, no pool5, conv13 linear, no dropout.
    x = vgg16_features(
        x, prefix, dropout_blocks=(), dropout_rate=0.0, frozen_blocks=(), last_activation=False
    )
    x = L2Normalization(name=f"{prefix}_pre_feat_norm")(x)  # per position, over channels
    x = keras.layers.GlobalMaxPooling2D(name=f"{prefix}_mac")(x)
    return L2Normalization(name=f"{prefix}_post_feat_norm")(x)


def build_crosslocate(
    query_shape: tuple[int, int] = INPUT_SHAPE,
    reference_shape: tuple[int, int] = INPUT_SHAPE,
    *,
    two_branch: bool = False,
) -> CrossViewModel:
    """CrossLocate: VGG16 convs (conv13 without ReLU), per-position L2, global max, L2 -> 512-d.

    One network for queries and database views by default (ONE_BRANCH, 14,714,688 parameters);
    `two_branch=True` gives separate query and database networks (TWO_BRANCH, twice as many).
    Inputs are raw RGB 0..255 with no mean subtraction, as in the original.
    """
    query_input = keras.Input((*query_shape, 3), name="query")
    reference_input = keras.Input((*reference_shape, 3), name="database")
    if two_branch:
        query_output = _branch(query_input, "vgg_query")
        reference_output = _branch(reference_input, "vgg_database")
    else:
        # ONE_BRANCH: one network, applied to both inputs (every weight exists once).
        any_size = keras.Input((None, None, 3), name="image")
        network = keras.Model(any_size, _branch(any_size, "vgg"), name="crosslocate_network")
        query_output, reference_output = network(query_input), network(reference_input)
    return CrossViewModel(
        query_input=query_input,
        query_output=query_output,
        reference_input=reference_input,
        reference_output=reference_output,
        descriptor_dim=DESCRIPTOR_DIM,
        name="crosslocate",
    )
