"""The run's seed decides every initial weight: the same seed builds the same network, another seed
a different one in every randomly initialised tensor (an initializer instance made at import would
carry a seed drawn before the run seeds Keras and repeat its draws whatever the seed)."""

import keras
import numpy as np

from cvgeo.models import build
from cvgeo.models.toker import build_toker_discriminator


def _initial_weights(seed: int) -> dict[str, np.ndarray]:
    keras.utils.set_random_seed(seed)
    # Toker: its GAN-initialised convs, and the ResNet-34 street branch the STN variants share.
    model = build("toker", query_shape=(24, 96), reference_shape=(24, 96))
    discriminator = build_toker_discriminator((24, 96))
    return {variable.path: variable.numpy() for variable in model.weights + discriminator.weights}


def test_the_seed_decides_every_random_initial_weight():
    first, again, other = _initial_weights(1), _initial_weights(1), _initial_weights(2)
    assert first.keys() == again.keys() == other.keys()
    random_kernels = [name for name in first if name.endswith("kernel") and np.std(first[name]) > 0]
    assert any("conv_end" in name for name in random_kernels) and any("discriminator" in name for name in random_kernels)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name], err_msg=name)
    same = [name for name in random_kernels if np.array_equal(first[name], other[name])]
    assert not same, f"not drawn from the run's seed: {same}"
