"""The training engine: records, optimizers, stopping, divergence, validation, augmentation."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from digitlab.model.augment import Distortion, random_affine
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.evaluation import evaluate
from digitlab.model.train import EpochRecord, StepRecord, Trainer, TrainingDivergedError


@pytest.fixture(scope="module")
def small(mnist):
    return mnist.train_x[:600], mnist.train_y[:600], mnist.test_x[:300], mnist.test_y[:300]


def _run(config: TrainConfig, data, **kw) -> tuple[Trainer, list]:
    net = config.build_network()
    trainer = Trainer(net, config, *data, **kw)
    return trainer, list(trainer.steps())


def test_records_per_step_and_per_epoch(small) -> None:
    config = PRESETS["3b1b"].replace(epochs=2, batch_size=50)
    trainer, records = _run(config, small)
    steps = [r for r in records if isinstance(r, StepRecord)]
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert len(steps) == trainer.total_steps == 24 and len(epochs) == 2
    assert [r.step for r in steps] == list(range(1, 25))
    assert steps[-1].samples_seen == 1200 and epochs[-1].samples_seen == 1200
    assert len(steps[0].grad_norms) == 3 and all(n > 0 for n in steps[0].grad_norms)
    assert steps[0].weight_changes is None  # nothing extra unless asked for
    assert epochs[-1].test_accuracy is not None and 0 <= epochs[-1].test_accuracy <= 1


def test_an_epoch_brings_the_test_set_s_answers_from_its_own_pass(small) -> None:
    # the window's confusion matrix takes them instead of running the test set through again
    config = PRESETS["3b1b"].replace(epochs=1, batch_size=50)
    trainer, records = _run(config, small)
    epoch = records[-1]
    ev = epoch.test_evaluation
    assert ev is not None and len(ev) == 300 and np.array_equal(ev.labels, small[3])
    own = evaluate(trainer.net, small[2], small[3])  # the network as the epoch left it
    assert np.array_equal(ev.answers, own.answers) and np.allclose(ev.activations, own.activations)
    assert ev.accuracy == pytest.approx(epoch.test_accuracy)
    figures = json.loads(json.dumps(epoch.figures()))  # what the CLI keeps in a model file
    assert "test_evaluation" not in figures and figures["test_accuracy"] == epoch.test_accuracy
    no_test = Trainer(config.build_network(), config, small[0], small[1])
    assert list(no_test.steps())[-1].test_evaluation is None


@pytest.mark.parametrize("optimizer,lr", [("sgd", 0.5), ("momentum", 0.1), ("adam", 0.003)])
def test_every_optimizer_learns(small, optimizer: str, lr: float) -> None:
    config = TrainConfig(layer_sizes=(784, 32, 10), cost="cross_entropy", optimizer=optimizer,
                         learning_rate=lr, epochs=3, batch_size=20)
    _, records = _run(config, small)
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert epochs[-1].test_accuracy > 0.6  # chance is 0.1
    assert epochs[-1].train_cost < epochs[0].train_cost


def test_recorded_changes_are_exactly_what_was_applied(small) -> None:
    config = TrainConfig(layer_sizes=(784, 12, 10), optimizer="momentum", learning_rate=0.3,
                         l2=1e-3, batch_size=32, epochs=1)
    net = config.build_network()
    trainer = Trainer(net, config, *small, record_changes=True)
    it = trainer.steps()
    next(it)
    before = [w.copy() for w in net.weights] + [b.copy() for b in net.biases]
    record = next(it)
    after = net.weights + net.biases
    applied = list(record.weight_changes) + list(record.bias_changes)
    for b, a, d in zip(before, after, applied):
        np.testing.assert_allclose(a - b, d, rtol=1e-5, atol=1e-7)
    # the record holds copies: later steps do not change it
    snapshot = record.weight_changes[0].copy()
    next(it)
    assert np.array_equal(snapshot, record.weight_changes[0])


def test_seeded_runs_are_reproducible_bit_for_bit(small) -> None:
    config = PRESETS["accurate"].replace(layer_sizes=(784, 32, 10), epochs=1)
    (t1, r1), (t2, r2) = _run(config, small), _run(config, small)
    assert [r.cost for r in r1 if isinstance(r, StepRecord)] == [r.cost for r in r2 if isinstance(r, StepRecord)]
    assert t1.net.weights[0].tobytes() == t2.net.weights[0].tobytes()
    t3, _ = _run(config.replace(seed=1), small)
    assert t3.net.weights[0].tobytes() != t1.net.weights[0].tobytes()


def test_batches_made_ahead_in_a_thread_train_the_same_network(small) -> None:
    config = PRESETS["accurate"].replace(layer_sizes=(784, 32, 10), epochs=2)  # augmenting and deskewing
    assert config.augment and config.deskew
    (t1, r1), (t2, r2) = _run(config, small), _run(config, small, prefetch=True)
    assert [r.cost for r in r1 if isinstance(r, StepRecord)] == [r.cost for r in r2 if isinstance(r, StepRecord)]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(t1.net.weights + t1.net.biases, t2.net.weights + t2.net.biases))
    epochs = [r for r in r2 if isinstance(r, EpochRecord)]
    assert len(epochs) == 2 and epochs[-1].test_accuracy == [r for r in r1 if isinstance(r, EpochRecord)][-1].test_accuracy
    steps = _run(config, small, prefetch=True)[0].steps()  # closed mid-epoch: its thread ends with it
    next(steps)
    assert any(t.name.startswith("digitlab-batches") for t in threading.enumerate())  # made ahead, in a thread
    steps.close()
    assert not any(t.name.startswith("digitlab-batches") for t in threading.enumerate())


def test_the_caller_can_stop_between_any_two_steps(small) -> None:
    config = PRESETS["3b1b"].replace(batch_size=10)
    net = config.build_network()
    trainer = Trainer(net, config, *small)
    it = trainer.steps()
    for _ in range(7):
        next(it)
    it.close()
    assert trainer.step_count == 7 and trainer.samples_seen == 70


def test_divergence_stops_with_a_clear_error_and_keeps_finite_weights(small) -> None:
    config = TrainConfig(layer_sizes=(784, 16, 10), activation="relu", cost="cross_entropy",
                         learning_rate=1e12, batch_size=16)
    net = config.build_network()
    trainer = Trainer(net, config, *small)
    last: list[np.ndarray] = []
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        for _ in trainer.steps():
            last = [p.copy() for p in net.weights + net.biases]
    assert trainer.step_count >= 1 and last
    # untouched by the refused step: exactly the weights the last finite step left
    assert all(np.array_equal(a, b) for a, b in zip(last, net.weights + net.biases))
    assert all(np.isfinite(w).all() for w in net.weights + net.biases)


@pytest.mark.parametrize(
    "change,field",
    [({"learning_rate": -1}, "learning_rate"), ({"batch_size": 0}, "batch_size"),
     ({"layer_sizes": (784, 10, 9)}, "layer_sizes"), ({"optimizer": "rmsprop"}, "optimizer"),
     ({"epochs": 0}, "epochs"), ({"l2": float("nan")}, "l2"), ({"momentum": 1.0}, "momentum"),
     ({"schedule": "linear"}, "schedule"), ({"activation": "swish"}, "activation")],
)
def test_invalid_hyperparameters_say_which_and_why(change: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PRESETS["3b1b"].replace(**change).validate()


def test_mismatched_data_is_refused(small) -> None:
    net = PRESETS["3b1b"].build_network()
    with pytest.raises(ValueError, match="labels"):
        Trainer(net, PRESETS["3b1b"], small[0], small[1][:10])


@pytest.mark.parametrize("schedule", ["constant", "cosine", "step"])
def test_learning_rate_schedules(small, schedule: str) -> None:
    config = PRESETS["3b1b"].replace(schedule=schedule, epochs=4)
    trainer = Trainer(config.build_network(), config, *small)
    rates = [trainer.learning_rate(s) for s in range(trainer.total_steps)]
    assert rates[0] == pytest.approx(3.0)
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    assert (rates[-1] == pytest.approx(3.0)) == (schedule == "constant")


def test_augmentation_is_identity_without_distortion_and_keeps_the_ink(mnist) -> None:
    x = mnist.train_x[:64]
    rng = np.random.default_rng(0)
    assert np.array_equal(random_affine(x, rng, Distortion(0, 0, 0, 0)), x)
    distorted = random_affine(x, rng)
    assert distorted.shape == x.shape and distorted.dtype == np.float32
    assert not np.array_equal(distorted, x)
    # small distortions keep most of the ink and stay in [0, 1]
    ratio = distorted.sum(axis=1) / x.sum(axis=1)
    assert 0.7 < ratio.min() and ratio.max() < 1.4
    assert distorted.min() >= 0 and distorted.max() <= 1 + 1e-6


def test_a_pure_shift_moves_the_image_by_whole_pixels(mnist) -> None:
    x = mnist.train_x[:1]

    class Fixed:  # an rng stand-in that returns the midpoint of every range but the shift
        def uniform(self, lo, hi, size):
            return np.full(size, 2.0) if size == (1, 2) else np.zeros(size)

    moved = random_affine(x, Fixed(), Distortion(rotation_deg=1, scale=0.1, shear=0.1, shift_px=2))
    expected = np.zeros((28, 28), dtype=np.float32)
    expected[2:, 2:] = x.reshape(28, 28)[:-2, :-2]
    np.testing.assert_allclose(moved.reshape(28, 28), expected, atol=1e-6)
