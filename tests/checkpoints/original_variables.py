"""The original TF1 checkpoints' model variables (names, shapes, trainability), from the specs' tables.

Written from the specs (CVM-Net A.6, OriCNN B.3, SAFA 2.3, CrossLocate 3.7), not from cvgeo's models,
so that a wrong name map or layer shape in cvgeo shows up as a mismatch.
"""

import numpy as np

VGG_LAYERS = (
    ("conv1_1", 3, 64), ("conv1_2", 64, 64),
    ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
    ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512),
)  # fmt: skip


def _vgg(scope: str, trainable_from_block: int) -> dict[str, tuple[tuple[int, ...], bool]]:
    table = {}
    for layer, cin, cout in VGG_LAYERS:
        trainable = int(layer[4]) >= trainable_from_block
        table[f"{scope}/{layer}/weights"] = ((3, 3, cin, cout), trainable)
        table[f"{scope}/{layer}/biases"] = ((cout,), trainable)
    return table


def cvm_net_i(k: int = 64) -> dict[str, tuple[tuple[int, ...], bool]]:
    """name -> (shape, trainable). VGG conv1-3 are frozen in CVM-Net (no Adam slots)."""
    table = {**_vgg("VGG_grd", 4), **_vgg("VGG_sat", 4)}
    for branch in ("grd", "sat"):
        table[f"netvlad_{branch}/cluster_weights"] = ((512, k), True)
        table[f"netvlad_{branch}/cluster_biases"] = ((k,), True)
        table[f"netvlad_{branch}/cluster_weights2"] = ((1, 512, k), True)
    table["dim_reduction/fc1/weights"] = ((512 * k, 4096), True)
    table["dim_reduction/fc1/biases"] = ((4096,), True)
    return table


def cvm_net_ii(k: int = 64) -> dict[str, tuple[tuple[int, ...], bool]]:
    table = {**_vgg("VGG_grd", 4), **_vgg("VGG_sat", 4)}
    for branch in ("sat", "grd"):
        table[f"transformation_trans/{branch}_trans_conv1/weights"] = ((1, 1, 512, 512), True)
        table[f"transformation_trans/{branch}_trans_conv1/biases"] = ((512,), True)
    table["transformation_trans_shared/trans_conv1/weights"] = ((3, 3, 512, 512), True)
    table["transformation_trans_shared/trans_conv1/biases"] = ((512,), True)
    table["transformation_trans_shared/trans_conv2/weights"] = ((1, 1, 512, 512), True)
    table["transformation_trans_shared/trans_conv2/biases"] = ((512,), True)
    table["netvlad/cluster_weights"] = ((512, k), True)
    table["netvlad/cluster_biases"] = ((k,), True)
    table["netvlad/cluster_weights2"] = ((1, 512, k), True)
    table["netvlad/hidden1_weights"] = ((512 * k, 4096), True)
    return table


ORI_CNN_CHANNELS = (5, 64, 128, 256, 512, 512, 512, 512)


def ori_cnn() -> dict[str, tuple[tuple[int, ...], bool]]:
    table = {}
    for prefix in ("sat_rgbori", "grd_rgbori"):
        for k in range(1, 8):
            cin, cout = ORI_CNN_CHANNELS[k - 1], ORI_CNN_CHANNELS[k]
            scope = f"{prefix}encoder_{k}"
            table[f"{scope}/conv2d/kernel"] = ((4, 4, cin, cout), True)
            table[f"{scope}/conv2d/bias"] = ((cout,), True)
            if k > 1:
                table[f"{scope}/batch_normalization/gamma"] = ((cout,), True)
                table[f"{scope}/batch_normalization/beta"] = ((cout,), True)
                table[f"{scope}/batch_normalization/moving_mean"] = ((cout,), False)
                table[f"{scope}/batch_normalization/moving_variance"] = ((cout,), False)
    return table


def safa(positions: int, heads: int = 8) -> dict[str, tuple[tuple[int, ...], bool]]:
    """positions = H*W of the final feature map (80 for 112x616)."""
    table = {**_vgg("VGG_grd", 1), **_vgg("VGG_sat", 1)}
    hidden = positions // 2
    for branch in ("grd", "sat"):
        table[f"spatial_{branch}/weights1"] = ((positions, hidden, heads), True)
        table[f"spatial_{branch}/biases1"] = ((1, hidden, heads), True)
        table[f"spatial_{branch}/weights2"] = ((hidden, positions, heads), True)
        table[f"spatial_{branch}/biases2"] = ((1, positions, heads), True)
    return table


def crosslocate(two_branch: bool = False) -> dict[str, tuple[tuple[int, ...], bool]]:
    table = {}
    for suffix in ("", "_1") if two_branch else ("",):
        for ordinal, (_, cin, cout) in enumerate(VGG_LAYERS, start=1):
            table[f"conv{ordinal}{suffix}/kernels"] = ((3, 3, cin, cout), True)
            table[f"conv{ordinal}{suffix}/biases"] = ((cout,), True)
    return table


def random_weights(table: dict, seed: int) -> dict[str, np.ndarray]:
    """Seeded float32 values of sensible scale for every variable (fan-in scaled kernels)."""
    rng = np.random.default_rng(seed)
    values = {}
    for name, (shape, _) in table.items():
        leaf = name.rsplit("/", 1)[-1]
        if leaf in ("weights", "kernels", "kernel") and len(shape) == 4:
            fan_in = shape[0] * shape[1] * shape[2]
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        elif leaf in ("weights", "hidden1_weights", "cluster_weights", "cluster_weights2", "weights1", "weights2"):
            fan_in = shape[-2] if leaf == "cluster_weights2" else shape[0]
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        elif leaf == "gamma":
            value = 1.0 + 0.2 * rng.normal(size=shape)
        elif leaf == "moving_variance":
            value = rng.uniform(0.5, 2.0, shape)  # never used by OriCNN; random so that using it shows
        else:  # biases, beta, moving_mean, cluster_biases
            value = 0.1 * rng.normal(size=shape)
        values[name] = value.astype(np.float32)
    return values
