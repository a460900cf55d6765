"""CVM-Net-I and CVM-Net-II (Hu et al., CVPR 2018): VGG16 + NetVLAD Siamese-like networks.

Both follow the authors' TF1 code (`cvm_net.py`, `VGG.py`, `loupe.py`, `transnet_v2.py`); the layer
names below map one-to-one onto the TF1 variable scopes (see `cvgeo.checkpoints`).
"""

import keras

from cvgeo.layers.caffe_preprocessing import CaffePreprocessing
from cvgeo.layers.l2_normalization import L2Normalization
from cvgeo.layers.netvlad import NetVLAD
from cvgeo.layers.vgg import vgg16_features
from cvgeo.models.cross_view_model import CrossViewModel

GROUND_SHAPE = (224, 1232)  # CVUSA panoramas at native size (`input_data.py`)
AERIAL_SHAPE = (512, 512)  # CVUSA 750x750 tiles resized with INTER_AREA
NUM_CLUSTERS = 64
DESCRIPTOR_DIM = 4096


def _branch_inputs(query_shape, reference_shape):
    query_input = keras.Input((*query_shape, 3), name="ground")
    reference_input = keras.Input((*reference_shape, 3), name="aerial")
    return query_input, reference_input


def _vgg(images, branch: str, vgg_options: dict):
    x = CaffePreprocessing(name=f"{branch}_preprocessing")(images)
    return vgg16_features(x, f"vgg_{branch}", **vgg_options)


def build_cvm_net_i(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    dropout_rate: float = 0.2,
    frozen_blocks: tuple[int, ...] = (1, 2, 3),
    batch_norm: bool = False,
    num_clusters: int = NUM_CLUSTERS,
    zero_centres: bool = False,
    fc_bias_init: float = 0.1,
) -> CrossViewModel:
    """CVM-Net-I: per-branch VGG16 and NetVLAD, a shared FC 32768 -> 4096, L2-normalised output.

    163,782,400 parameters. The defaults are the original; `frozen_blocks=()`, `batch_norm=True`,
    `zero_centres=True` (NetVLAD centres start at zero) and `fc_bias_init=0.0` are training aids for
    from-scratch runs, not part of the paper's network: the original FC bias of 0.1 against weights of
    std 0.005 makes every initial descriptor nearly the same vector (2 - 2cos ~1e-5 between any two).
    A smaller `num_clusters` (FC 512*K -> 4096) serves small experiments and tests.
    """
    vgg_options = dict(dropout_rate=dropout_rate, frozen_blocks=frozen_blocks, batch_norm=batch_norm)
    query_input, reference_input = _branch_inputs(query_shape, reference_shape)
    # `dim_reduction/fc1` is created once and reused by both branches in the original.
    fc = keras.layers.Dense(
        DESCRIPTOR_DIM,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.005),
        bias_initializer=keras.initializers.Constant(fc_bias_init),
        name="dim_reduction_fc1",
    )
    outputs = []
    for branch, images in (("grd", query_input), ("sat", reference_input)):
        features = _vgg(images, branch, vgg_options)
        vlad = NetVLAD(num_clusters, zero_centres=zero_centres, name=f"netvlad_{branch}")(features)
        outputs.append(L2Normalization(name=f"{branch}_descriptor")(fc(vlad)))
    return CrossViewModel(
        query_input=query_input,
        query_output=outputs[0],
        reference_input=reference_input,
        reference_output=outputs[1],
        descriptor_dim=DESCRIPTOR_DIM,
        name="cvm_net_i",
    )


def build_cvm_net_ii(
    query_shape: tuple[int, int] = GROUND_SHAPE,
    reference_shape: tuple[int, int] = AERIAL_SHAPE,
    *,
    dropout_rate: float = 0.2,
    frozen_blocks: tuple[int, ...] = (1, 2, 3),
    batch_norm: bool = False,
    num_clusters: int = NUM_CLUSTERS,
    zero_centres: bool = False,
) -> CrossViewModel:
    """CVM-Net-II: per-branch VGG16 and 1x1 transform, shared transform convs and NetVLAD.

    The shared NetVLAD ends in the bias-free projection 32768 -> 4096 and, as in the original, the
    output is NOT L2-normalised (retrieval ranks by raw inner product). 166,860,480 parameters.
    `num_clusters` below 64 shrinks the projection for small experiments and tests; `zero_centres`
    is the from-scratch training aid of CVM-Net-I.
    """
    vgg_options = dict(dropout_rate=dropout_rate, frozen_blocks=frozen_blocks, batch_norm=batch_norm)
    query_input, reference_input = _branch_inputs(query_shape, reference_shape)
    glorot = keras.initializers.GlorotUniform()

    def transform_conv(kernel_size: int, name: str) -> keras.layers.Conv2D:
        return keras.layers.Conv2D(
            512, kernel_size, padding="same", activation="relu",
            kernel_initializer=glorot, bias_initializer=glorot, name=name,
        )

    shared_conv1 = transform_conv(3, "transformation_trans_shared_trans_conv1")
    shared_conv2 = transform_conv(1, "transformation_trans_shared_trans_conv2")
    netvlad = NetVLAD(num_clusters, output_dim=DESCRIPTOR_DIM, zero_centres=zero_centres, name="netvlad")
    outputs = []
    for branch, images in (("grd", query_input), ("sat", reference_input)):
        x = _vgg(images, branch, vgg_options)
        x = transform_conv(1, f"transformation_trans_{branch}_trans_conv1")(x)
        x = keras.layers.Dropout(dropout_rate, name=f"{branch}_trans_conv1_dropout")(x)
        x = keras.layers.Dropout(dropout_rate, name=f"{branch}_shared_conv1_dropout")(shared_conv1(x))
        x = keras.layers.Dropout(dropout_rate, name=f"{branch}_shared_conv2_dropout")(shared_conv2(x))
        outputs.append(netvlad(x))
    return CrossViewModel(
        query_input=query_input,
        query_output=outputs[0],
        reference_input=reference_input,
        reference_output=outputs[1],
        descriptor_dim=DESCRIPTOR_DIM,
        name="cvm_net_ii",
    )
