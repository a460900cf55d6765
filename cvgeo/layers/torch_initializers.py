"""PyTorch's default initialisation of nn.Conv2d / nn.Linear, for layers the PyTorch originals leave at it."""

import keras


def torch_default_uniform(fan_in: int) -> keras.initializers.Initializer:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for both weights and biases.

    `reset_parameters` of nn.Conv2d / nn.Linear uses kaiming_uniform_(a=sqrt(5)) for the weight,
    whose bound sqrt(6 / ((1 + 5) * fan_in)) is 1/sqrt(fan_in), and U(+-1/sqrt(fan_in)) for the
    bias. `fan_in` is in_channels * kernel_h * kernel_w (conv) or in_features (linear).
    """
    bound = 1.0 / fan_in**0.5
    return keras.initializers.RandomUniform(-bound, bound)
