"""Dataset examples -> batches of (query, reference) model inputs, as a parallel tf.data pipeline."""

import tensorflow as tf

# Features carried through to the batches when a dataset has them (positions in metres, ids).
PASSTHROUGH_FEATURES = ("xy", "utm", "id")


def resize_area(image: tf.Tensor, shape: tuple[int, int]) -> tf.Tensor:
    """Float32 image resized to `shape` with area averaging (cv2.INTER_AREA's role in the originals).

    Images already at `shape` are returned unchanged, so native-size data is never resampled.
    """
    image = tf.cast(image, tf.float32)
    if tuple(image.shape[-3:-1]) == tuple(shape):
        return image
    return tf.image.resize(image, shape, method="area")


def pair_pipeline(
    examples: tf.data.Dataset,
    *,
    query_shape: tuple[int, int],
    reference_shape: tuple[int, int],
    reference_feature: str = "aerial",
    batch_size: int,
    training: bool,
    seed: int = 0,
    shuffle_buffer: int = 4096,
) -> tf.data.Dataset:
    """Batches of {"query", "reference"} float32 RGB 0..255 at the model's input sizes.

    Args:
      examples: TFDS examples with `ground` and `reference_feature` images.
      query_shape / reference_shape: the model's (height, width) inputs.
      reference_feature: "aerial" or "polar" (see `ModelSpec.reference_feature`).
      batch_size: pairs per batch. Training drops a short last batch (the loss normalises by B).
      training: shuffle (seeded, so a resumed epoch sees the same order) and drop the remainder.
      seed: shuffle seed; callers vary it per epoch.
    """
    if training:
        examples = examples.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=False)

    def to_inputs(example):
        inputs = {
            "query": resize_area(example["ground"], query_shape),
            "reference": resize_area(example[reference_feature], reference_shape),
        }
        for name in PASSTHROUGH_FEATURES:
            if name in example:
                inputs[name] = example[name]
        return inputs

    batches = examples.map(to_inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = batches.batch(batch_size, drop_remainder=training, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)
