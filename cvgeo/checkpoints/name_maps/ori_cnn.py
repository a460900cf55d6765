"""Keras weight path -> TF1 variable name for OriCNN (`encoder_net.py`, spec B.3)."""

import re

_ENCODER = re.compile(
    r"(?P<prefix>grd_rgbori|sat_rgbori)_encoder_(?P<index>[1-7])_(?P<layer>conv|bn)/"
    r"(?P<weight>kernel|bias|gamma|beta|moving_mean|moving_variance)"
)


def ori_cnn_tf1_name(path: str) -> str | None:
    """`sat_rgbori_encoder_3_conv/kernel` -> `sat_rgboriencoder_3/conv2d/kernel`, `..._bn/gamma` ->
    `.../batch_normalization/gamma`. The original joins prefix and `encoder_k` with no separator."""
    match = _ENCODER.fullmatch(path)
    if match is None:
        return None
    scope = "conv2d" if match["layer"] == "conv" else "batch_normalization"
    return f"{match['prefix']}encoder_{match['index']}/{scope}/{match['weight']}"
