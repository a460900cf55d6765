"""A PyTorch spectral-normalised weight as the plain weight it acts as: W = W_orig / sigma.

torch.nn.utils.spectral_norm stores `weight_orig` and the power-iteration vectors `weight_u`
(out) and `weight_v` (in * kh * kw); in eval mode it uses W_orig / sigma with
sigma = u^T mat(W_orig) v and no further iteration (spec 3.6). Keras' SpectralNormalization keeps
the normalised kernel itself (it overwrites the kernel with kernel / sigma on each training call),
so this quotient is what a Keras kernel holds.
"""

import numpy as np


def spectral_sigma(weight_orig: np.ndarray, u: np.ndarray, v: np.ndarray) -> float:
    """sigma = u . (W_orig reshaped to [out, -1]) . v, float64."""
    matrix = np.asarray(weight_orig, np.float64).reshape(weight_orig.shape[0], -1)
    return float(np.asarray(u, np.float64) @ matrix @ np.asarray(v, np.float64))


def spectral_normalized_weight(weight_orig: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """W_orig / sigma in W_orig's layout (OIHW for convs), float32."""
    return (np.asarray(weight_orig, np.float64) / spectral_sigma(weight_orig, u, v)).astype(np.float32)
