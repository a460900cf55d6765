"""One function per model family: Keras weight path (`layer/weight`) -> original TF1 variable name."""

from collections.abc import Callable

from cvgeo.checkpoints.name_maps.crosslocate import crosslocate_tf1_name
from cvgeo.checkpoints.name_maps.cvm_net import cvm_net_tf1_name
from cvgeo.checkpoints.name_maps.ori_cnn import ori_cnn_tf1_name
from cvgeo.checkpoints.name_maps.safa import safa_tf1_name

# Keyed by the model's `name` (= its registry name).
TF1_NAME_MAPS: dict[str, Callable[[str], str | None]] = {
    "cvm_net_i": cvm_net_tf1_name,
    "cvm_net_ii": cvm_net_tf1_name,
    "ori_cnn": ori_cnn_tf1_name,
    "safa": safa_tf1_name,
    "crosslocate": crosslocate_tf1_name,
}

__all__ = ["TF1_NAME_MAPS"]
