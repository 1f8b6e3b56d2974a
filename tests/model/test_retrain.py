"""Retraining on the user's samples: the mix, the report, and that it teaches without forgetting."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.retrain import continental_ones
from digitlab.model.config import TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.network import Network
from digitlab.model.retrain import (
    RetrainConfig,
    evaluate_before_after,
    make_retrainer,
    make_scratch_trainer,
    retraining_set,
)
from digitlab.model.train import EpochRecord, StepRecord, Trainer

FAST = RetrainConfig(copies=16, replay_ratio=16, epochs=3, learning_rate=7e-4, batch_size=32)


@pytest.fixture(scope="module")
def small_net(mnist: MNIST) -> Network:
    """A 784-64-10 ReLU network, 2 epochs on 20,000 images: about 94%, trained in ~1 s."""
    config = TrainConfig(layer_sizes=(784, 64, 10), activation="relu", cost="cross_entropy",
                         optimizer="adam", learning_rate=2e-3, batch_size=64, epochs=2)
    net = config.build_network()
    for _ in Trainer(net, config, mnist.train_x[:20_000], mnist.train_y[:20_000]).steps():
        pass
    return net


@pytest.fixture(scope="module")
def style(mnist: MNIST, small_net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Continental ones (a long flag) the small network misreads: 8 to learn, the rest held out."""
    drawings = continental_ones(mnist.test_x[mnist.test_y == 1][:300], np.random.default_rng(0))
    misread = drawings[small_net.predict(drawings) != 1]
    assert len(misread) >= 30  # the style really is one the network gets wrong
    return misread[:8], misread[8:]


def test_retraining_raises_accuracy_on_the_samples_and_keeps_mnist(mnist, small_net, style):
    samples_x, held_out = style
    samples_y = np.ones(len(samples_x), dtype=np.uint8)
    weights_before = [w.copy() for w in small_net.weights]
    trainer = make_retrainer(small_net, samples_x, samples_y, mnist, FAST)
    records = list(trainer.steps())
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert len(epochs) == FAST.epochs and all(r.test_accuracy is not None for r in epochs)
    assert any(isinstance(r, StepRecord) for r in records)  # the live plots get their steps
    assert all(np.array_equal(a, b) for a, b in zip(small_net.weights, weights_before))  # untouched

    report = evaluate_before_after(small_net, trainer.net, samples_x, samples_y, mnist)
    assert report.samples_accuracy_before == 0.0
    assert report.samples_accuracy_after >= 0.75  # at least 6 of 8 now read right
    assert report.mnist_accuracy_before > 0.9
    assert report.mnist_accuracy_after > report.mnist_accuracy_before - 0.02  # small and fast: 2 points
    assert len(report.flipped_right) >= 6 and report.flipped_wrong == ()
    # a style, not eight images: most other drawings of it are now read right too
    assert (trainer.net.predict(held_out) == 1).mean() > 0.5


def test_the_sigmoid_lesson_network_can_be_retrained_too(mnist):
    net = Network((784, 16, 16, 10), activation="sigmoid", cost="quadratic", seed=0)
    x, y = mnist.train_x[:8], mnist.train_y[:8]
    trainer = make_retrainer(net, x, y, mnist, FAST.replace(epochs=1, copies=4))
    assert trainer.config.activation == "sigmoid" and trainer.config.cost == "quadratic"
    for _ in trainer.steps():
        pass
    assert trainer.net is not net


class Answers:
    """A stand-in network that gives fixed answers to the samples, and misreads MNIST's first ``wrong``
    test images (each as the next digit)."""

    def __init__(self, answers: list[int], mnist: MNIST, wrong: int) -> None:
        self.answers = np.array(answers)
        self.mnist_answers = mnist.test_y.astype(np.int64)
        self.mnist_answers[:wrong] = (self.mnist_answers[:wrong] + 1) % 10

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.answers[: len(x)] if len(x) == len(self.answers) else self.mnist_answers


def test_report_says_what_flipped_each_way(mnist):
    x = np.zeros((5, 784), dtype=np.float32)
    y = np.array([1, 2, 3, 4, 5])
    before = Answers([1, 7, 7, 4, 5], mnist, 200)  # right: 0, 3, 4; 98% of MNIST
    after = Answers([1, 2, 3, 9, 5], mnist, 250)  # right: 0, 1, 2, 4; 97.5% of MNIST
    report = evaluate_before_after(before, after, x, y, mnist, ids=["a", "b", "c", "d", "e"])
    assert report.samples_accuracy_before == pytest.approx(0.6)
    assert report.samples_accuracy_after == pytest.approx(0.8)
    assert report.flipped_right == (1, 2) and report.flipped_wrong == (3,)
    assert report.flipped_right_ids == ("b", "c") and report.flipped_wrong_ids == ("d",)
    assert report.predicted_before == (1, 7, 7, 4, 5) and report.labels == (1, 2, 3, 4, 5)
    assert (report.mnist_accuracy_before, report.mnist_accuracy_after) == pytest.approx((0.98, 0.975))
    # per digit: the share of each digit's test images read right, which the misread first 250 lower
    y_test = mnist.test_y
    for d in range(10):
        of_d = y_test == d
        assert report.mnist_per_digit_before[d] == pytest.approx(1 - (of_d[:200]).sum() / of_d.sum())
        assert report.mnist_per_digit_after[d] == pytest.approx(1 - (of_d[:250]).sum() / of_d.sum())
    no_mnist = evaluate_before_after(before, after, x, y)
    assert no_mnist.mnist_accuracy_before is None and no_mnist.sample_ids == ()
    assert no_mnist.mnist_per_digit_before is None


def test_the_mix_holds_copies_and_replay_weighted_to_the_confused_digit(mnist):
    x, y = mnist.test_x[:4], np.array([1, 1, 1, 1], dtype=np.uint8)
    config = RetrainConfig(copies=8, replay_ratio=10, focus=0.5, seed=3)
    mix_x, mix_y = retraining_set(x, y, mnist.train_x, mnist.train_y, config, confused_with=[7])
    assert len(mix_x) == 4 * 8 * 11 and mix_x.dtype == np.float32
    assert np.array_equal(mix_x[:4], x)  # the drawings themselves come first
    assert not np.array_equal(mix_x[4:8], x)  # then distorted copies
    assert (mix_y[:32] == 1).all()
    sevens = (mix_y[32:] == 7).mean()
    assert 0.5 < sevens < 0.6  # half the replay from the confused digit, plus its share of the rest
    again = retraining_set(x, y, mnist.train_x, mnist.train_y, config, confused_with=[7])
    assert np.array_equal(again[0], mix_x)  # seeded
    plain = retraining_set(x, y, mnist.train_x, mnist.train_y, config.replace(augment=False))
    assert all(np.array_equal(plain[0][k * 4:(k + 1) * 4], x) for k in range(8))
    many = retraining_set(np.repeat(x, 300, 0), np.repeat(y, 300), mnist.train_x, mnist.train_y,
                          config.replace(max_user_rows=2400, replay_ratio=0))
    assert len(many[0]) == 2400  # two copies each of 1,200 samples


def test_retrain_config_is_checked():
    for bad in (dict(replay_ratio=-1), dict(copies=0), dict(epochs=0), dict(optimizer="lbfgs"),
                dict(learning_rate=0), dict(batch_size=2.5), dict(focus=1.5), dict(schedule="sometimes")):
        with pytest.raises(ValueError):
            RetrainConfig(**bad).validate()
    with pytest.raises(ValueError, match="no samples"):
        retraining_set(np.zeros((0, 784)), np.zeros(0), np.zeros((5, 784)), np.zeros(5), RetrainConfig())


def test_train_from_scratch_uses_all_of_mnist_and_the_samples(mnist):
    x, y = mnist.test_x[:3], mnist.test_y[:3]
    config = TrainConfig(epochs=1, seed=5)
    trainer = make_scratch_trainer(config, x, y, mnist, copies=10)
    assert len(trainer.train_x) == len(mnist.train_x) + 30
    assert np.array_equal(trainer.train_x[len(mnist.train_x):][:3], x)
    assert list(trainer.train_y[-30:]) == list(y) * 10
    assert trainer.net.layer_sizes == config.layer_sizes
    record = trainer.step(np.arange(len(mnist.train_x), len(trainer.train_x)))  # a step on the samples
    assert np.isfinite(record.cost)


def test_retraining_a_deskewing_network_feeds_it_deskewed_samples(mnist, small_net):
    from digitlab.model.deskew import deskew

    flagged = small_net.copy()
    flagged.deskew = True
    x, y = mnist.test_x[:4], mnist.test_y[:4]  # stored as preprocessed: deskewed at feed time
    trainer = make_retrainer(flagged, x, y, mnist, FAST.replace(epochs=1, max_rounds=1))
    assert trainer.net.deskew and trainer.config.deskew and trainer.net is not flagged
    assert np.array_equal(trainer.net.predict(x), small_net.predict(deskew(x)))
    record = trainer.step(np.arange(4))  # the samples' own rows come first in the mix
    assert np.isfinite(record.cost)
    scratch = make_scratch_trainer(TrainConfig(layer_sizes=(784, 16, 10), epochs=1, deskew=True), x, y, mnist)
    assert scratch.net.deskew
