"""Which TF1 checkpoint entries are training bookkeeping rather than model weights."""

import re

# All the TF1 originals save `tf.global_variables()` after `AdamOptimizer.minimize`, so their
# checkpoints also hold, per trainable variable, the Adam slots `<var>/Adam` and `<var>/Adam_1`;
# the beta powers `beta1_power` / `beta2_power` (`train/...` when minimize ran inside
# name_scope('train'): CVM-Net, OriCNN, SAFA; bare in CrossLocate); and the unnamed global step
# `tf.Variable(0)`, saved as `Variable` (`Variable_1`, ... if several were created).
_BOOKKEEPING = re.compile(r"(.*/Adam(_\d+)?|(train/)?beta[12]_power(_\d+)?|Variable(_\d+)?)")


def is_bookkeeping(name: str) -> bool:
    """True for optimizer slots, Adam beta powers and the global step of a TF1 checkpoint."""
    return _BOOKKEEPING.fullmatch(name) is not None
