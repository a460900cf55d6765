"""Per model family, the original TF1 namings: functions Keras weight path (`layer/weight`) -> TF1
variable name. A family whose checkpoints exist under several namings lists each; the loader uses
the one the checkpoint holds."""

from collections.abc import Callable

from cvgeo.checkpoints.name_maps.crosslocate import crosslocate_tf1_name
from cvgeo.checkpoints.name_maps.cvm_net import cvm_net_tf1_name
from cvgeo.checkpoints.name_maps.ori_cnn import ori_cnn_tf1_name
from cvgeo.checkpoints.name_maps.safa import safa_tf1_name, vigor_safa_tf1_name

# Keyed by the model's `name` (= its registry name).
TF1_NAME_MAPS: dict[str, tuple[Callable[[str], str | None], ...]] = {
    "cvm_net_i": (cvm_net_tf1_name,),
    "cvm_net_ii": (cvm_net_tf1_name,),
    "ori_cnn": (ori_cnn_tf1_name,),
    # SAFA's own repository (`VGG_grd`), then VIGOR's SAFA baseline (`vgg_grd`).
    "safa": (safa_tf1_name, vigor_safa_tf1_name),
    "crosslocate": (crosslocate_tf1_name,),
}

__all__ = ["TF1_NAME_MAPS"]
