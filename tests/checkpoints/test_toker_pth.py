"""Toker et al.'s .pth into cvgeo's toker model: forward parity with PyTorch modules of the original's names.

The checkpoint is written by PyTorch (skipped where torch is absent) in the original's layout: the
three state dicts under their keys, DataParallel's `module.` prefix, spectral norm as
weight_orig / weight_u / weight_v after a few power iterations.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import toker_torch_modules as original  # noqa: E402
import torchvision_resnet34  # noqa: E402

from cvgeo.checkpoints import CheckpointMismatchError, load, load_toker_pth  # noqa: E402
from cvgeo.models import build  # noqa: E402
from cvgeo.models.toker import build_toker_discriminator  # noqa: E402

SHAPE = (32, 64)
POSITIONS = (SHAPE[0] // 8) * (SHAPE[1] // 8)
RESNET_CHILDREN = {"conv1": "0", "bn1": "1", "layer1": "3", "layer2": "4", "layer3": "5"}


def retrieval_state(rng) -> dict[str, np.ndarray]:
    state = {}
    for key, shape in torchvision_resnet34.state_dict_shapes().items():
        child, _, rest = key.partition(".")
        if child in RESNET_CHILDREN:
            value = rng.uniform(0.5, 1.5, shape) if key.endswith("running_var") else rng.normal(0, 0.1, shape)
            state[f"extract2.layers.{RESNET_CHILDREN[child]}.{rest}"] = np.asarray(value, np.float32)
    for name in ("sa1", "sa2"):
        state[f"{name}.w1"] = rng.normal(0, 0.05, (POSITIONS, POSITIONS // 2, 8)).astype(np.float32)
        state[f"{name}.b1"] = rng.normal(0, 0.05, (1, POSITIONS // 2, 8)).astype(np.float32)
        state[f"{name}.w2"] = rng.normal(0, 0.05, (POSITIONS // 2, POSITIONS, 8)).astype(np.float32)
        state[f"{name}.b2"] = rng.normal(0, 0.05, (1, POSITIONS, 8)).astype(np.float32)
    return state


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    generator, discriminator = original.UnetGeneratorSkip(), original.NLayerDiscriminator()
    with torch.no_grad():
        for module in [*generator.modules(), *discriminator.modules()]:
            if isinstance(module, torch.nn.InstanceNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
            if isinstance(module, original.Attention):
                module.gamma.fill_(0.7)
        for _ in range(3):  # power iterations move u and v away from their start
            generator(torch.randn(2, 3, *SHAPE))
            discriminator(torch.randn(2, 6, *SHAPE))
    generator.eval()
    discriminator.eval()
    retrieval = retrieval_state(np.random.default_rng(0))
    prefixed = lambda state: {f"module.{k}": torch.as_tensor(v) for k, v in state.items()}  # noqa: E731
    path = tmp_path_factory.mktemp("pth") / "rgan_best_ckpt.pth"
    torch.save({
        "last_epoch": 3, "best_acc": 1.0,
        "generator_model_dict": prefixed(generator.state_dict()), "optimizer_G_dict": {},
        "discriminator_model_dict": prefixed(discriminator.state_dict()), "optimizer_D_dict": {},
        "retriebal_model_dict": prefixed(retrieval), "optimizer_R_dict": {},
    }, path)
    return path, generator, discriminator, retrieval


def nhwc(tensor) -> np.ndarray:
    return tensor.detach().numpy().transpose(0, 2, 3, 1)


def test_forward_parity_with_the_pytorch_networks(checkpoint):
    path, generator, discriminator, retrieval = checkpoint
    model = build("toker", query_shape=SHAPE, reference_shape=SHAPE)
    keras_discriminator = build_toker_discriminator(SHAPE)
    assert load_toker_pth(model, path, keras_discriminator) == len(model.weights) + len(keras_discriminator.weights)

    rng = np.random.default_rng(1)
    polar = rng.uniform(0, 255, (2, *SHAPE, 3)).astype(np.float32)
    signed = torch.from_numpy((polar / 127.5 - 1.0).transpose(0, 3, 1, 2))
    with torch.no_grad():
        fake, resb6 = generator(signed)
        logits = discriminator(torch.cat([signed, fake], 1))
        aerial = original.spatial_aware_descriptor(resb6, *(torch.from_numpy(retrieval[f"sa1.{n}"]) for n in ("w1", "b1", "w2", "b2")))
    ours_fake, ours_resb6 = model.generator(polar, training=False)
    np.testing.assert_allclose(ours_resb6.numpy(), nhwc(resb6), atol=2e-4, rtol=1e-4)
    np.testing.assert_allclose(ours_fake.numpy(), nhwc(fake), atol=1e-4)
    pair = np.concatenate([polar / 127.5 - 1.0, nhwc(fake)], axis=-1)
    np.testing.assert_allclose(keras_discriminator(pair, training=False).numpy(), nhwc(logits), atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(model.embed_reference(polar), aerial.numpy(), atol=1e-5)
    # The street ResNet-34 and its attention: the name map puts each tensor where torchvision's would go.
    np.testing.assert_array_equal(
        model.get_layer("resnet_grd_layer2_0_downsample_0").kernel.numpy(),
        retrieval["extract2.layers.4.0.downsample.0.weight"].transpose(2, 3, 1, 0),
    )
    np.testing.assert_array_equal(model.get_layer("resnet_grd_bn1").moving_variance.numpy(), retrieval["extract2.layers.1.running_var"])
    np.testing.assert_array_equal(model.get_layer("spatial_grd").weights2.numpy(), retrieval["sa2.w2"])


def test_load_dispatches_pth(checkpoint):
    model = build("toker", query_shape=SHAPE, reference_shape=SHAPE)
    report = load(model, checkpoint[0])
    assert report.format == "pth" and report.variables_loaded == len(model.weights)


def test_mismatches_are_reported_and_nothing_is_loaded(checkpoint, tmp_path):
    state = torch.load(checkpoint[0], weights_only=True)
    del state["generator_model_dict"]["module.res1.in1.weight"]
    state["generator_model_dict"]["module.res7.in1.weight"] = torch.ones(256)
    state["retriebal_model_dict"]["module.sa2.w1"] = torch.ones(3, 4, 8)
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    model = build("toker", query_shape=SHAPE, reference_shape=SHAPE)
    before = [w.numpy().copy() for w in model.weights]
    with pytest.raises(CheckpointMismatchError) as error:
        load_toker_pth(model, path)
    assert error.value.missing == ["generator_model_dict/res1.in1.weight"]
    assert error.value.unexpected == ["generator_model_dict/res7.in1.weight"]
    assert error.value.mis_shaped == [("retriebal_model_dict/sa2.w1", (3, 4, 8), (POSITIONS, POSITIONS // 2, 8))]
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, model.weights))
