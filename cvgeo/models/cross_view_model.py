"""The two-branch model every cvgeo network is: a query (ground) and a reference (aerial) encoder."""

from collections.abc import Sequence
import json

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cvgeo")
class CrossViewModel(keras.Model):
    """A functional two-input, two-output Keras model with embedding helpers.

    `model((query_images, reference_images), training=...)` returns `(query_descriptors,
    reference_descriptors)`. The branches may share layers (CVM-Net-I shares its FC, CVM-Net-II its
    NetVLAD); sharing is expressed by reusing layer objects, so each weight exists once.

    Inputs are RGB images, NHWC, uint8 or float with values in [0, 255], at the model's input size;
    each network applies its original preprocessing inside the graph.

    Attributes:
      query_shape / reference_shape: (height, width) the model was built for.
      descriptor_dim: length of the descriptors.
      embed_batch_size: images per forward pass in `embed_*`. It matters for networks whose batch
        norm uses batch statistics at inference (OriCNN), where one call is one original batch.

    A model made by `cvgeo.models.build` knows what it is: `get_config()` gives its family (the
    registry name), every builder option and both input shapes as JSON-ready values, and
    `from_config` (or `cvgeo.models.from_config`) rebuilds the same network from them, so a run
    folder, a converted weights file or an index can store the config instead of a name and options.
    """

    def __init__(
        self,
        *,
        query_input: keras.KerasTensor,
        query_output: keras.KerasTensor,
        reference_input: keras.KerasTensor,
        reference_output: keras.KerasTensor,
        descriptor_dim: int,
        embed_batch_size: int = 32,
        name: str,
    ):
        super().__init__(
            inputs=(query_input, reference_input), outputs=(query_output, reference_output), name=name
        )
        self.query_encoder = keras.Model(query_input, query_output, name=f"{name}_query_encoder")
        self.reference_encoder = keras.Model(reference_input, reference_output, name=f"{name}_reference_encoder")
        self.query_shape = tuple(int(s) for s in query_input.shape[1:3])
        self.reference_shape = tuple(int(s) for s in reference_input.shape[1:3])
        self.descriptor_dim = int(descriptor_dim)
        self.embed_batch_size = int(embed_batch_size)
        self._embed_functions: dict[str, tf.types.experimental.PolymorphicFunction] = {}
        self._options: dict | None = None  # set by cvgeo.models.build

    def _set_options(self, options: dict) -> None:
        """Records the builder options (all of them, defaults included) that `get_config` reports."""
        self._options = json.loads(json.dumps(options, default=str))

    def get_config(self) -> dict:
        """{"family", "options", "query_shape", "reference_shape"}: what `from_config` rebuilds the model from."""
        if self._options is None:
            raise ValueError(
                f"model {self.name!r} was not made by cvgeo.models.build, so its builder options are unknown "
                "and it has no config; build it with cvgeo.models.build(name, **options)"
            )
        return {
            "family": self.name,
            "options": json.loads(json.dumps(self._options)),
            "query_shape": list(self.query_shape),
            "reference_shape": list(self.reference_shape),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "CrossViewModel":
        """The network `config` (from `get_config`) describes, freshly initialised."""
        from cvgeo.models.registry import from_config

        return from_config(config)

    def embed_query(self, images: np.ndarray | Sequence, batch_size: int | None = None) -> np.ndarray:
        """Descriptors [N, descriptor_dim] (float32 numpy) of ground images [N, H, W, 3] (RGB, 0..255)."""
        return self._run_batched("embed_query", self.query_encoder, images, "query_shape", batch_size)

    def embed_reference(self, images: np.ndarray | Sequence, batch_size: int | None = None) -> np.ndarray:
        """Descriptors [N, descriptor_dim] (float32 numpy) of aerial images [N, H, W, 3] (RGB, 0..255)."""
        return self._run_batched("embed_reference", self.reference_encoder, images, "reference_shape", batch_size)

    def _run_batched(
        self, method: str, encoder: keras.Model, images, shape_attribute: str, batch_size: int | None
    ) -> np.ndarray:
        """`encoder` in inference mode over `images` of size `getattr(self, shape_attribute)` in batches; float32 numpy out."""
        images = np.asarray(images)
        expected = (*getattr(self, shape_attribute), 3)
        if images.ndim != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(
                f"{self.name}.{method} expects images of shape [N, {expected[0]}, {expected[1]}, 3] "
                f"(RGB, 0..255), got {list(images.shape)}; resize them to the model's {shape_attribute} first"
            )
        # Descriptors are compared against the original graphs' float32 results: no TF32 matmuls.
        tf.config.experimental.enable_tensor_float_32_execution(False)
        function = self._inference_function(method, encoder, expected)
        step = batch_size or self.embed_batch_size
        outputs = [
            function(tf.constant(images[start : start + step], tf.float32)).numpy()
            for start in range(0, len(images), step)
        ]
        if not outputs:
            return np.zeros((0, *encoder.output.shape[1:]), np.float32)
        return np.concatenate(outputs).astype(np.float32, copy=False)

    def _inference_function(self, method: str, encoder: keras.Model, image_shape: tuple[int, int, int]):
        if method not in self._embed_functions:
            self._embed_functions[method] = tf.function(
                lambda images: encoder(images, training=False),
                input_signature=[tf.TensorSpec([None, *image_shape], tf.float32)],
                reduce_retracing=True,
            )
        return self._embed_functions[method]
