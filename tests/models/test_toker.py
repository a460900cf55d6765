"""Toker et al.'s networks: the original's parameter counts and output sizes, the retrieval wiring."""

import keras
import numpy as np
import pytest

from cvgeo.models import build
from cvgeo.models.model_option_error import ModelOptionError
from cvgeo.models.toker import build_toker_discriminator


def conv(cin, cout, k, bias=True):
    return k * k * cin * cout + (cout if bias else 0)


def attention(c):
    return conv(c, c // 8, 1, False) * 2 + conv(c, c // 2, 1, False) + conv(c // 2, c, 1, False) + 1


def instance_norm(c):
    return 2 * c


def down(cin, cout):
    return conv(cin, cout, 3) + conv(cout, cout, 3) + conv(cin, cout, 1)


def up(cin, cout):
    return instance_norm(cin) + conv(cin, cout, 3) + instance_norm(cout) + conv(cout, cout, 3) + conv(cin, cout, 1)


# `networks/c_gan.py` UnetGeneratorSkip / NLayerDiscriminator, spec 3.3 / 3.4.
GENERATOR = (
    conv(3, 32, 7) + instance_norm(32)
    + down(32, 64) + instance_norm(64) + down(64, 128) + instance_norm(128) + down(128, 256) + instance_norm(256)
    + 6 * (2 * conv(256, 256, 3) + 2 * instance_norm(256))
    + up(512, 128) + instance_norm(128) + attention(256) + up(256, 64) + instance_norm(64)
    + up(128, 64) + instance_norm(64) + conv(64, 3, 3)
)
DISCRIMINATOR = conv(6, 64, 4) + conv(64, 128, 4) + attention(128) + conv(128, 256, 4) + conv(256, 512, 4) + conv(512, 1, 4)
# torchvision resnet34 conv1 + bn1 + layer1-3 (spec 3.5) and SA(1078, 8) twice.
SA_1078 = 1078 * 539 * 8 + 539 * 8 + 539 * 1078 * 8 + 1078 * 8
RETRIEVAL = 8_170_304 + 2 * SA_1078


def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def test_parameter_counts_are_the_originals():
    assert (GENERATOR, DISCRIMINATOR, RETRIEVAL) == (9_507_908, 2_788_290, 26_789_520)
    model = build("toker")
    assert count(model.generator.trainable_weights) == GENERATOR
    assert count(model.query_encoder.trainable_weights) + count(model.reference_head.trainable_weights) == RETRIEVAL
    assert count(model.trainable_weights) == GENERATOR + RETRIEVAL  # the decoder is held too, once
    discriminator = build_toker_discriminator()
    assert count(discriminator.trainable_weights) == DISCRIMINATOR
    assert tuple(discriminator.output.shape) == (None, 12, 75, 1)
    assert tuple(model.generator.output[0].shape) == (None, 112, 616, 3)
    assert tuple(model.generator.output[1].shape) == (None, 14, 77, 256)
    assert model.descriptor_dim == 2048


def test_small_forward_and_the_reference_branch_is_the_bottleneck():
    keras.utils.set_random_seed(0)
    model = build("toker", query_shape=(32, 128), reference_shape=(32, 128), heads=2)
    rng = np.random.default_rng(0)
    street = rng.uniform(0, 255, (2, 32, 128, 3)).astype(np.float32)
    polar = rng.uniform(0, 255, (2, 32, 128, 3)).astype(np.float32)
    query, reference = model.embed_query(street), model.embed_reference(polar)
    assert query.shape == reference.shape == (2, 512)
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)
    fake, resb6 = model.generator(polar, training=False)
    assert tuple(fake.shape) == (2, 32, 128, 3) and tuple(resb6.shape) == (2, 4, 16, 256)
    assert np.abs(fake.numpy()).max() <= 1.0
    np.testing.assert_allclose(model.reference_head(resb6).numpy(), reference, atol=1e-5)
    np.testing.assert_allclose(model.synthesize(polar), fake.numpy(), atol=1e-5)
    np.testing.assert_allclose(model.normalize(np.array([0.0, 127.5, 255.0])).numpy(), [-1, 0, 1])
    logits = build_toker_discriminator((32, 128))(np.zeros((1, 32, 128, 6), np.float32))
    assert tuple(logits.shape) == (1, 2, 14, 1)


@pytest.mark.parametrize("shapes", [((32, 128), (32, 120)), ((36, 128), (36, 128)), ((16, 64), (16, 64))])
def test_shapes_it_cannot_draw_are_refused(shapes):
    with pytest.raises(ModelOptionError):
        build("toker", query_shape=shapes[0], reference_shape=shapes[1])
