"""Retraining works on every network the app makes, the 3Blue1Brown one first; when it cannot
help, the report says why in words."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.retrain import continental_ones
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.network import Network
from digitlab.model.retrain import RetrainConfig, Retrainer, evaluate_before_after, explain, make_retrainer
from digitlab.model.train import EpochRecord, Trainer

N_TEST = 3000  # MNIST test images the before/after accuracy is measured on (at least 2,000)


def _trained(config: TrainConfig, mnist: MNIST) -> Network:
    net = config.build_network()
    for _ in Trainer(net, config, mnist.train_x, mnist.train_y).steps():
        pass
    return net


@pytest.fixture(scope="module")
def lesson_net(mnist: MNIST) -> Network:
    """The 3b1b preset (784-16-16-10 sigmoid, quadratic cost, SGD at 3.0) after one epoch: ~91%."""
    return _trained(PRESETS["3b1b"].replace(epochs=1), mnist)


def _misread_ones(net: Network, mnist: MNIST, n: int) -> np.ndarray:
    style = continental_ones(mnist.test_x[mnist.test_y == 1][:200], np.random.default_rng(0))
    misread = style[net.predict(style) != 1]
    assert len(misread) >= n  # the style really is one this network gets wrong
    return misread[:n]


def _subset(mnist: MNIST) -> MNIST:
    """MNIST with its test set cut to N_TEST images, for a quicker before/after."""
    return MNIST(mnist.train_x, mnist.train_y, mnist.test_x[:N_TEST], mnist.test_y[:N_TEST])


def test_retraining_the_lesson_network_teaches_five_misread_drawings_and_keeps_mnist(mnist, lesson_net):
    samples_x = _misread_ones(lesson_net, mnist, 5)
    samples_y = np.ones(5, dtype=np.uint8)
    data = _subset(mnist)
    trainer = make_retrainer(lesson_net, samples_x, samples_y, data)
    records = list(trainer.steps())
    report = evaluate_before_after(lesson_net, trainer.net, samples_x, samples_y, data)
    assert report.samples_accuracy_before == 0.0
    assert round(report.samples_accuracy_after * 5) >= 4  # the issue: "0 -> 0 of 5" before the fix
    assert abs(report.mnist_accuracy_after - report.mnist_accuracy_before) <= 0.01  # within 1 point
    # the epochs went on at rising rates while the samples were misread; the records say so
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert len(epochs) == trainer.config.epochs and trainer.rounds >= 1
    assert trainer.total_steps == trainer.step_count  # progress ends at 100%


@pytest.mark.parametrize("config", [
    TrainConfig(layer_sizes=(784, 32, 10), activation="tanh", cost="cross_entropy", optimizer="momentum",
                learning_rate=0.05, batch_size=32, epochs=1),
    TrainConfig(layer_sizes=(784, 24, 10), activation="relu", cost="quadratic", optimizer="adam",
                learning_rate=2e-3, batch_size=32, epochs=1),
], ids=["tanh-momentum", "relu-quadratic-adam"])
def test_retraining_works_on_custom_layers_activations_and_optimizers(mnist, config):
    net = _trained(config, _subset(mnist))
    samples_x = _misread_ones(net, mnist, 5)
    samples_y = np.ones(5, dtype=np.uint8)
    data = _subset(mnist)
    trainer = make_retrainer(net, samples_x, samples_y, data)
    for _ in trainer.steps():
        pass
    report = evaluate_before_after(net, trainer.net, samples_x, samples_y, data)
    assert round(report.samples_accuracy_after * 5) >= 4
    assert report.mnist_accuracy_after >= report.mnist_accuracy_before - 0.02


def test_a_retraining_that_reads_everything_right_after_its_first_round_stops_there(mnist, lesson_net):
    x, y = mnist.test_x[:5], mnist.test_y[:5]
    assert (lesson_net.predict(x) == y).all()  # nothing to correct
    trainer = make_retrainer(lesson_net, x, y, _subset(mnist), RetrainConfig(copies=4, epochs=1))
    for _ in trainer.steps():
        pass
    assert trainer.rounds == 1 and trainer.config.epochs == 1


def test_the_rate_rises_round_after_round_while_samples_are_misread(mnist):
    net = Network((784, 10), activation="sigmoid", cost="quadratic", seed=0)
    x, y = mnist.train_x[:3], mnist.train_y[:3]
    config = RetrainConfig(copies=2, replay_ratio=1, epochs=1, round_epochs=1, max_rounds=3, batch_size=8,
                           schedule="constant", learning_rate=1e-9)  # too small to ever flip anything
    trainer = Retrainer(net.copy(), config, x, y, x, y)
    rates = [(r.epoch, r.learning_rate) for r in trainer.steps() if not isinstance(r, EpochRecord)]
    assert trainer.rounds == 3
    by_epoch = {e: lr for e, lr in rates}
    assert by_epoch[2] == pytest.approx(4e-9) and by_epoch[3] == pytest.approx(16e-9)


def test_the_report_says_in_words_why_a_retraining_could_not_help(mnist):
    net = Network((784, 16, 10), activation="sigmoid", cost="quadratic", seed=0)
    x, y = mnist.test_x[:4], mnist.test_y[:4]
    report = evaluate_before_after(net, net, x, y, None)  # nothing changed
    wrong = 4 - round(report.samples_accuracy_after * 4)
    assert wrong > 0
    assert f"{wrong} of your 4 samples" in report.explanation and "16 neurons" in report.explanation
    everything_right = evaluate_before_after(net, net, x, net.predict(x), None)
    assert "nothing to correct" in everything_right.explanation
    assert explain(everything_right) == everything_right.explanation
