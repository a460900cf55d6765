"""Dataset examples -> batches of (query, reference) model inputs, as a parallel tf.data pipeline."""

import tensorflow as tf

from cvgeo.data.pair_inputs import PairInputOptions, map_pair_inputs


def pair_pipeline(
    examples: tf.data.Dataset,
    options: PairInputOptions,
    *,
    batch_size: int,
    training: bool,
    seed: int = 0,
    shuffle_buffer: int | None = 4096,
) -> tf.data.Dataset:
    """Batches of {"query", "reference", ids/positions} float32 RGB 0..255 at the model's input sizes.

    Args:
      examples: decoded examples of a cvgeo builder (`ground`, `aerial`, optional `polar`, ...).
      options: the model's input sizes, reference kind and the original augmentations to apply.
      batch_size: pairs per batch. Training drops a short last batch (the loss normalises by B).
      training: shuffle and drop the remainder; augmentations and training targets only apply in training.
      seed: shuffle and augmentation seed; the trainer varies it per epoch, so a resumed epoch sees
        the same order and draws as an uninterrupted one.
      shuffle_buffer: examples shuffled at a time in training; None keeps the given order (examples
        already arranged in batches by a sampler, e.g. VIGOR's).
    """
    if not training:
        options = options.for_evaluation()
    elif shuffle_buffer is not None:
        examples = examples.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=False)
    batches = map_pair_inputs(examples, options, seed=seed)
    batches = batches.batch(batch_size, drop_remainder=training, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)

