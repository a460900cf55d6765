"""The GAN losses of Toker et al. (aysim/comingdowntoearth `networks/c_gan.py` GANLoss, `utils/rgan_wrapper.py`)."""

import tensorflow as tf

# GANLoss(target_real_label=0.9): one-sided label smoothing, the fake label stays 0.
REAL_LABEL = 0.9
# `helper/parser.py`: lambda_ret1 = 1000 and lambda_l1 = 100, both parsed as ints.
RETRIEVAL_WEIGHT = 1000.0
L1_WEIGHT = 100.0


def binary_cross_entropy_with_logits(logits: tf.Tensor, label: float) -> tf.Tensor:
    """nn.BCEWithLogitsLoss against a constant target: the mean over every logit."""
    logits = tf.convert_to_tensor(logits, tf.float32)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), label), logits=logits))


def discriminator_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor, *, real_label: float = REAL_LABEL) -> tf.Tensor:
    """0.5 (BCE(D(real), 0.9) + BCE(D(fake), 0)), the original's `backward_D`."""
    return 0.5 * (binary_cross_entropy_with_logits(real_logits, real_label) + binary_cross_entropy_with_logits(fake_logits, 0.0))


def generator_adversarial_loss(fake_logits: tf.Tensor, *, real_label: float = REAL_LABEL) -> tf.Tensor:
    """BCE(D(fake), 0.9): the generator's GAN term in `backward_G` (the smoothed real label here too)."""
    return binary_cross_entropy_with_logits(fake_logits, real_label)


def generator_loss(
    adversarial: tf.Tensor,
    retrieval: tf.Tensor,
    l1: tf.Tensor,
    *,
    retrieval_weight: float = RETRIEVAL_WEIGHT,
    l1_weight: float = L1_WEIGHT,
) -> tf.Tensor:
    """L_G = GAN + 1000 L_ret + 100 L1 (no perceptual loss), the original's `backward_G`."""
    return adversarial + retrieval_weight * retrieval + l1_weight * l1
