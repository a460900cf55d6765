"""Toker's three-optimizer step against a hand-worked example (aysim/comingdowntoearth `rgan_wrapper.py`).

The step runs once in its tf.function; the expected losses are recomputed eagerly from the weights
before it (G, and D and R for their own losses) and after it (D and R for G's loss), with numpy BCE
and a plain loop over the triplets. Keras' SpectralNormalization rewrites its kernel
(kernel := kernel / sigma) on every training-mode call and computes with the rewritten kernel, so:
D's loss is recomputed with the step's two training-mode calls in its order (fake, then real), and
G's GAN term with D after the step in inference mode, whose kernel is the one the step's third call
(G's) wrote and used. With `positive_radius` and positions, both retrieval terms are CVACT's masked loss.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from cvgeo.errors import CvgeoError
from cvgeo.losses import cvact_hard_negative_soft_margin_loss, hard_negative_soft_margin_loss
from cvgeo.training import TrainConfig
from cvgeo.training.tasks import make_task

SHAPE = (24, 64)
BATCH = 3
HARD_RATIO = 0.5  # k = int(0.5 * 3 * 2) = 3 of the 9 terms per direction: the top-k path of the loss
LEARNING_RATE = 1e-3


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The task, its state before and after one step, the step's losses and its batch."""
    config = TrainConfig(
        model="toker", task="toker", batch_size=BATCH, learning_rate=LEARNING_RATE, beta_1=0.5,
        model_options={"query_shape": SHAPE, "reference_shape": SHAPE, "heads": 2},
        output_dir=str(tmp_path_factory.mktemp("toker") / "run"), task_options={"summary_images": 0},
    )
    keras.utils.set_random_seed(0)
    task = make_task(config)
    task.build()
    task.start_epoch(0)
    task.hard_ratio.assign(HARD_RATIO)
    rng = np.random.default_rng(0)
    batch = {key: tf.constant(rng.uniform(0, 255, (BATCH, *SHAPE, 3)), tf.float32) for key in ("query", "reference")}
    before = _state(task)
    losses = {name: float(value) for name, value in task.train_step(batch).items()}
    after = _state(task)
    return task, before, after, losses, batch


def _groups(task) -> dict[str, list]:
    model = task.model
    return {
        "generator": model.generator.weights,
        "retrieval": model.query_encoder.weights + model.reference_head.weights,
        "discriminator": task.discriminator.weights,
    }


def _optimizers(task) -> dict[str, keras.optimizers.Optimizer]:
    return {
        "generator": task.generator_optimizer,
        "retrieval": task.retrieval_optimizer,
        "discriminator": task.discriminator_optimizer,
    }


def _variables(task) -> list:
    """Every variable the step reads or writes: weights of the three networks and optimizer states."""
    found = {}
    for variable in [*task.model.weights, *task.discriminator.weights, *sum(_groups(task).values(), [])]:
        found[id(variable)] = variable
    for optimizer in _optimizers(task).values():
        for variable in optimizer.variables:
            found[id(variable)] = variable
    return list(found.values())


def _state(task) -> dict[int, np.ndarray]:
    return {id(variable): np.array(variable.numpy()) for variable in _variables(task)}


def _load(task, state: dict[int, np.ndarray], variables: list | None = None) -> None:
    for variable in _variables(task) if variables is None else variables:
        variable.assign(state[id(variable)])


def _bce(logits: np.ndarray, label: float) -> float:
    """nn.BCEWithLogitsLoss against a constant label, in float64."""
    x = np.asarray(logits, np.float64)
    return float(np.mean(np.maximum(x, 0) - x * label + np.log1p(np.exp(-np.abs(x)))))


def _hard_negative_soft_margin(reference: np.ndarray, query: np.ndarray, alpha: float, ratio: float) -> float:
    """Toker's `soft_margin_triplet_loss` by loops: the k largest of the B x B terms (diagonal 0) over k."""
    reference, query = np.asarray(reference, np.float64), np.asarray(query, np.float64)
    size = len(reference)
    dist = [[2.0 - 2.0 * float(np.dot(reference[i], query[j])) for j in range(size)] for i in range(size)]
    count = int(ratio * size * (size - 1)) if ratio < 1.0 else size * (size - 1)
    total = 0.0
    for aerial_to_street in (True, False):
        terms = []
        for i in range(size):
            for j in range(size):
                positive = dist[i][i] if aerial_to_street else dist[j][j]
                terms.append(0.0 if i == j else math.log1p(math.exp(alpha * (positive - dist[i][j]))))
        total += sum(sorted(terms, reverse=True)[:count]) / count
    return total / 2.0


def _signed(images: tf.Tensor) -> tf.Tensor:
    return images / 127.5 - 1.0


def test_discriminator_loss_is_the_smoothed_bce_of_the_pre_step_networks(run):
    task, before, _, losses, batch = run
    _load(task, before)
    polar = _signed(batch["reference"])
    fake, _ = task.model.generator(batch["reference"], training=True)
    fake_logits = task.discriminator(tf.concat([polar, fake], -1), training=True).numpy()
    real_logits = task.discriminator(tf.concat([polar, _signed(batch["query"])], -1), training=True).numpy()
    expected = 0.5 * (_bce(real_logits, 0.9) + _bce(fake_logits, 0.0))
    assert losses["discriminator"] == pytest.approx(expected, rel=1e-4)


def test_retrieval_loss_is_the_hard_negative_soft_margin_of_the_pre_step_retrieval_network(run):
    task, before, _, losses, batch = run
    _load(task, before)
    _, bottleneck = task.model.generator(batch["reference"], training=True)
    reference = task.model.reference_head(bottleneck, training=True).numpy()
    query = task.model.query_encoder(batch["query"], training=True).numpy()
    expected = _hard_negative_soft_margin(reference, query, task.config.alpha, HARD_RATIO)
    assert losses["retrieval"] == pytest.approx(expected, rel=1e-4)


def test_generator_loss_uses_the_updated_discriminator_and_retrieval_network(run):
    task, before, after, losses, batch = run
    groups = _groups(task)
    _load(task, before, groups["generator"])
    _load(task, after, groups["discriminator"] + groups["retrieval"])
    fake, bottleneck = task.model.generator(batch["reference"], training=True)
    logits = task.discriminator(tf.concat([_signed(batch["reference"]), fake], -1), training=False).numpy()
    gan = _bce(logits, 0.9)
    retrieval = _hard_negative_soft_margin(
        task.model.reference_head(bottleneck, training=True).numpy(),
        task.model.query_encoder(batch["query"], training=True).numpy(),
        task.config.alpha, HARD_RATIO,
    )
    l1 = float(np.mean(np.abs(fake.numpy().astype(np.float64) - _signed(batch["query"]).numpy())))
    assert losses["generator_gan"] == pytest.approx(gan, rel=1e-4)
    assert losses["generator_retrieval"] == pytest.approx(retrieval, rel=1e-4)
    assert losses["generator_l1"] == pytest.approx(l1, rel=1e-4)
    assert losses["loss"] == pytest.approx(gan + 1000 * retrieval + 100 * l1, rel=1e-4)
    # With the pre-step D and R the GAN and retrieval terms differ: the updates came first.
    _load(task, before, groups["discriminator"] + groups["retrieval"])
    stale = _hard_negative_soft_margin(
        task.model.reference_head(bottleneck, training=True).numpy(),
        task.model.query_encoder(batch["query"], training=True).numpy(),
        task.config.alpha, HARD_RATIO,
    )
    assert stale != pytest.approx(retrieval, rel=1e-5)


def test_each_optimizer_moves_only_its_own_network(run):
    task, before, _, _, batch = run
    groups, optimizers = _groups(task), _optimizers(task)
    paths = {name: {variable.path for variable in weights} for name, weights in groups.items()}
    assert not paths["generator"] & paths["retrieval"] and not paths["discriminator"] & (paths["generator"] | paths["retrieval"])
    trainable = {
        "generator": task.model.generator.trainable_variables,
        "retrieval": task.model.query_encoder.trainable_variables + task.model.reference_head.trainable_variables,
        "discriminator": task.discriminator.trainable_variables,
    }
    for name, optimizer in optimizers.items():
        assert [v.path for v in optimizer._trainable_variables] == [v.path for v in trainable[name]], name

    def step(moving: str | None) -> dict[str, list[np.ndarray]]:
        # From the same start (weights and Adam states), with every learning rate but `moving`'s at 0.
        _load(task, before)
        for name, optimizer in optimizers.items():
            optimizer.learning_rate.assign(LEARNING_RATE if name == moving else 0.0)
        task.train_step(batch)
        return {name: [w.numpy().copy() for w in weights] for name, weights in groups.items()}

    # Every rate 0: what the training-mode calls alone change (spectral-norm kernels and u, BN statistics).
    still = step(None)
    for moving in optimizers:
        moved = step(moving)
        for name, weights in groups.items():
            changed = [
                weight.path for weight, a, b in zip(weights, still[name], moved[name]) if not np.array_equal(a, b)
            ]
            if name != moving:
                assert not changed, f"the {moving} update changed {name} weights: {changed[:3]}"
            else:
                # Its non-trainable state may follow (the updated network's training-mode calls
                # later in the step: BN statistics, spectral-norm u).
                own = {v.path for v in trainable[name]}
                moved_own = own & set(changed)
                assert len(moved_own) > len(own) // 2, f"{name}: only {len(moved_own)} of {len(own)} weights moved"


def test_with_positions_both_retrieval_terms_are_the_cvact_loss(tmp_path):
    """`positive_radius` on a dataset with positions: R's loss and G's retrieval term mask near pairs
    (`rgan_wrapper_cvact.py`); the synthetic dataset's `xy` stands in for CVACT's `utm`."""
    config = TrainConfig(
        model="toker", task="toker", batch_size=BATCH, learning_rate=LEARNING_RATE, beta_1=0.5, positive_radius=25.0,
        model_options={"query_shape": SHAPE, "reference_shape": SHAPE, "heads": 2},
        output_dir=str(tmp_path / "run"), task_options={"summary_images": 0},
    )
    keras.utils.set_random_seed(0)
    task = make_task(config)
    task.build()
    task.start_epoch(0)
    rng = np.random.default_rng(0)
    batch = {key: tf.constant(rng.uniform(0, 255, (BATCH, *SHAPE, 3)), tf.float32) for key in ("query", "reference")}
    batch["xy"] = tf.constant([[0.0, 0.0], [10.0, 0.0], [100.0, 0.0]], tf.float64)  # pairs 0 and 1 are near
    before = _state(task)
    losses = {name: float(value) for name, value in task.train_step(batch).items()}
    after = _state(task)

    def retrieval(state):
        _load(task, before, _groups(task)["generator"])
        _load(task, state, _groups(task)["retrieval"])
        _, bottleneck = task.model.generator(batch["reference"], training=True)
        descriptors = task.model.reference_head(bottleneck, training=True), task.model.query_encoder(batch["query"], training=True)
        masked = float(cvact_hard_negative_soft_margin_loss(*descriptors, batch["xy"], alpha=config.alpha))
        return masked, float(hard_negative_soft_margin_loss(*descriptors, alpha=config.alpha))

    masked, unmasked = retrieval(before)
    assert losses["retrieval"] == pytest.approx(masked, rel=1e-4)
    assert masked != pytest.approx(unmasked, rel=1e-3)
    assert losses["generator_retrieval"] == pytest.approx(retrieval(after)[0], rel=1e-4)


def test_positive_radius_needs_positions(tmp_path):
    config = TrainConfig(model="toker", task="toker", dataset="cvusa_polar_toker", positive_radius=25.0)
    with pytest.raises(CvgeoError, match="positive_radius"):
        make_task(config)
