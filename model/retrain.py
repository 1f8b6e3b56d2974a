"""Teach the network the user's handwriting without making it forget MNIST.

Fine-tuning on a handful of drawings alone would bend the network towards them and away from
everything else (catastrophic forgetting). So the training set is a mix:

- every user sample as ``copies`` rows: the drawing itself, then randomly distorted versions
  (small shifts, rotations, scales and shears, ``model.augment.random_affine``), so that a few
  drawings teach a style rather than ten exact images;
- ``replay_ratio`` MNIST training images for each of those rows, replayed so that what the
  network knew keeps pulling on the weights. A share ``focus`` of them is drawn from the digits
  the samples were misread as: a "1" the network read as a 7 is taught next to real sevens, so the
  boundary moves between the two instead of sevens becoming ones.

The mix goes to a ``Retrainer``, an ordinary ``model.train.Trainer`` (its own augmentation off: the
user rows are distorted already), so the GUI drives a retraining in the same worker with the same
live plots as any training; Adam at a small rate with a cosine schedule, so the last steps settle.

How far the weights must move for a drawing to flip depends on the network: Adam's rate of 2e-4
that moves a 784-512-256-10 ReLU network enough leaves the 3Blue1Brown network (784-16-16-10
sigmoid, quadratic cost) reading exactly what it read before, because a change of each weight by
so little, summed over 16 inputs instead of 512, hardly moves a neuron. So a retraining runs in
*rounds*: the first at ``learning_rate`` for ``epochs`` epochs; when, after a round, some samples
are still misread, another round of ``round_epochs`` epochs at ``boost`` times the rate, at most
``max_rounds`` rounds. The replay keeps MNIST in the mix at every rate. ``explain`` puts into
words why a retraining could not help, when it could not.

``make_retrainer`` trains a *copy* of the network: the caller keeps the one it had, to compare
(``evaluate_before_after``) and to undo. ``make_scratch_trainer`` builds a full training on all of
MNIST plus the user samples ("Train from scratch with my samples").

Measured (``python -m benchmarks.retrain``; 784-512-256-10, 10 drawings of a style it misread):
about 5 s, 10 of 10 read right afterwards, MNIST test accuracy 0.1-0.3 points lower. Left out:
weighting the cost (rows are repeated instead, which needs no change to the Trainer), distilling
the old network's outputs, and regularising towards the old weights (EWC, L2-SP).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from digitlab.model.augment import Distortion, random_affine
from digitlab.model.config import SCHEDULES, TrainConfig, check_choice, check_positive
from digitlab.model.data import MNIST
from digitlab.model.evaluation import confusion_matrix, per_digit_accuracy
from digitlab.model.network import Network
from digitlab.model.optimizers import OPTIMIZERS
from digitlab.model.train import Record, Trainer, scheduled_rate

# gentler than training's default (model.augment.Distortion()): a drawing must stay itself
SAMPLE_DISTORTION = Distortion(rotation_deg=10.0, scale=0.10, shear=0.10, shift_px=1.5)


@dataclass(frozen=True)
class RetrainConfig:
    """How a retraining mixes and learns. The defaults meet the benchmark's targets."""

    replay_ratio: float = 16.0  # MNIST training images per user-sample row in the mix
    copies: int = 64  # rows per user sample: the drawing itself, then distorted versions
    max_user_rows: int = 4000  # fewer copies each when there are many samples
    focus: float = 0.5  # share of the replay drawn from the digits the samples were misread as
    augment: bool = True  # distort the copies (off: every copy is the drawing itself)
    distortion: Distortion = SAMPLE_DISTORTION
    optimizer: str = "adam"
    learning_rate: float = 2e-4
    batch_size: int = 64
    epochs: int = 4
    schedule: str = "cosine"  # the rate falls to 2% by the end of each round, so the last steps settle
    max_rounds: int = 4  # rounds at a rising rate while samples are still misread (1: one round only)
    round_epochs: int = 2  # epochs of each round after the first
    boost: float = 4.0  # each round's rate is this many times the last's
    seed: int = 0

    def validate(self) -> RetrainConfig:
        """Raise ``ValueError`` naming the first invalid field; return self when all are valid."""
        if not (np.isfinite(self.replay_ratio) and self.replay_ratio >= 0):
            raise ValueError(f"replay_ratio must be zero or a positive number, got {self.replay_ratio}")
        for name in ("copies", "max_user_rows", "batch_size", "epochs", "max_rounds", "round_epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0 <= self.focus <= 1:
            raise ValueError(f"focus must be in [0, 1], got {self.focus}")
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive("learning_rate", self.learning_rate)
        if not (np.isfinite(self.boost) and self.boost >= 1):
            raise ValueError(f"boost must be a number of at least 1, got {self.boost}")
        return self

    def replace(self, **changes: Any) -> RetrainConfig:
        return dataclasses.replace(self, **changes)

    def train_config(self, net: Network) -> TrainConfig:
        """The ``TrainConfig`` the Trainer runs with: this network's shape, these settings."""
        return TrainConfig(
            layer_sizes=net.layer_sizes,
            activation=net.activation_name,
            cost=net.cost_name,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            epochs=self.epochs,
            schedule=self.schedule,
            augment=False,  # the user rows are distorted already; MNIST is replayed as it is
            seed=self.seed,
            deskew=net.deskew,  # for the record: the network deskews what it is fed (Network.inputs)
        )


def _check_samples(samples_x: np.ndarray, samples_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(samples_x, dtype=np.float32)
    y = np.asarray(samples_y)
    if x.ndim != 2 or x.shape[1] != 784 or y.shape != (len(x),):
        raise ValueError(f"samples must be (n, 784) images and n labels, got {x.shape} and {y.shape}")
    if len(y) and (y.dtype.kind not in "ui" or y.min() < 0 or y.max() > 9):
        raise ValueError("sample labels must be digits 0-9")
    return x, y.astype(np.uint8)


def augmented_copies(
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    copies: int,
    rng: np.random.Generator,
    distortion: Distortion | None = SAMPLE_DISTORTION,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sample ``copies`` times: first as drawn, then distorted (``distortion`` None: as drawn)."""
    x, y = _check_samples(samples_x, samples_y)
    n = len(x)
    rows = np.tile(x, (copies, 1))  # (copies * n, 784): block k holds copy k of every sample
    if distortion is not None and copies > 1:
        rows[n:] = random_affine(rows[n:], rng, distortion)
    return rows, np.tile(y, copies)


def retraining_set(
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    mnist_x: np.ndarray,
    mnist_y: np.ndarray,
    config: RetrainConfig = RetrainConfig(),
    confused_with: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The mix a retraining learns from: user rows, then replayed MNIST rows (the Trainer shuffles)."""
    config.validate()
    x, y = _check_samples(samples_x, samples_y)
    if len(x) == 0:
        raise ValueError("there are no samples to learn from")
    copy_rng, replay_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(2))
    copies = max(1, min(config.copies, config.max_user_rows // len(x)))
    user_x, user_y = augmented_copies(x, y, copies, copy_rng, config.distortion if config.augment else None)
    n_replay = min(int(round(len(user_x) * config.replay_ratio)), len(mnist_x))
    pool = np.flatnonzero(np.isin(mnist_y, list(confused_with)))
    n_focus = min(int(round(n_replay * config.focus)), len(pool)) if len(pool) else 0
    focus_idx = replay_rng.choice(pool, n_focus, replace=False) if n_focus else np.zeros(0, np.intp)
    rest = np.setdiff1d(np.arange(len(mnist_x)), focus_idx)
    idx = np.sort(np.concatenate([focus_idx, replay_rng.choice(rest, n_replay - n_focus, replace=False)]))
    return (np.concatenate([user_x, np.asarray(mnist_x[idx], dtype=np.float32)]),
            np.concatenate([user_y, np.asarray(mnist_y[idx], dtype=np.uint8)]))


class Retrainer(Trainer):
    """A ``Trainer`` over the retraining mix that goes on, at a rising rate, while samples are misread.

    Round 0 is ``config.epochs`` epochs at ``config.learning_rate``; round r > 0 is
    ``config.round_epochs`` epochs at ``learning_rate * boost**r``; each round follows its own
    schedule (cosine: down to 2% of its rate). After a round the user's drawings themselves (not
    their distorted copies) are read: when all are right, or after ``max_rounds``, it stops.
    ``self.config.epochs`` counts the epochs planned so far, so progress and ``total_steps`` grow
    with each round.
    """

    def __init__(self, net: Network, retrain: RetrainConfig, samples_x: np.ndarray, samples_y: np.ndarray,
                 train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray | None = None,
                 test_y: np.ndarray | None = None) -> None:
        super().__init__(net, retrain.train_config(net), train_x, train_y, test_x, test_y)
        self.retrain = retrain
        self.samples_x, self.samples_y = _check_samples(samples_x, samples_y)
        self.rounds = 0  # rounds begun
        self._round_start = 0  # first step of the current round
        self._round_steps = self.total_steps
        self._round_rate = retrain.learning_rate

    def samples_right(self) -> int:
        """How many of the user's drawings the network reads right now."""
        return int((self.net.predict(self.samples_x) == self.samples_y).sum()) if len(self.samples_x) else 0

    def learning_rate(self, step: int) -> float:
        """The current round's rate under its schedule, ``step`` counted from the run's start."""
        progress = (step - self._round_start) / max(self._round_steps, 1)
        return scheduled_rate(self.config.schedule, self._round_rate, progress)

    def steps(self) -> Iterator[Record]:
        n, bs, epoch = len(self.train_x), self.config.batch_size, 0
        for r in range(self.retrain.max_rounds):
            if r and self.samples_right() == len(self.samples_x):
                return
            epochs = self.retrain.epochs if r == 0 else self.retrain.round_epochs
            self.rounds = r + 1
            self._round_rate = self.retrain.learning_rate * self.retrain.boost**r
            self._round_start, self._round_steps = self.step_count, epochs * self.steps_per_epoch
            self.config = self.config.replace(epochs=epoch + epochs)
            for _ in range(epochs):
                epoch += 1
                started = time.perf_counter()
                order = self._shuffle_rng.permutation(n)
                for i in range(0, n, bs):
                    yield self.step(order[i : i + bs], epoch)
                yield self.evaluate(epoch, time.perf_counter() - started)


def make_retrainer(
    net: Network,
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    mnist: MNIST,
    config: RetrainConfig = RetrainConfig(),
) -> Retrainer:
    """A Retrainer that fine-tunes a copy of ``net`` (``trainer.net``) on the samples plus replay.

    Its epoch records carry MNIST test cost and accuracy; ``net`` itself is never changed.
    """
    x, y = _check_samples(samples_x, samples_y)
    predicted = net.predict(x) if len(x) else np.zeros(0, np.int64)
    confused = sorted({int(p) for p in predicted[predicted != y]})
    train_x, train_y = retraining_set(x, y, mnist.train_x, mnist.train_y, config, confused)
    return Retrainer(net.copy(), config, x, y, train_x, train_y, mnist.test_x, mnist.test_y)


def scratch_training_set(
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    mnist: MNIST,
    copies: int = 10,
    seed: int = 0,
    distortion: Distortion | None = SAMPLE_DISTORTION,
) -> tuple[np.ndarray, np.ndarray]:
    """All of MNIST's training set plus ``copies`` versions of each user sample."""
    x, y = _check_samples(samples_x, samples_y)
    user_x, user_y = augmented_copies(x, y, copies, np.random.default_rng(seed), distortion)
    return (np.concatenate([mnist.train_x, user_x]),
            np.concatenate([np.asarray(mnist.train_y, dtype=np.uint8), user_y]))


def make_scratch_trainer(
    config: TrainConfig,
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    mnist: MNIST,
    copies: int = 10,
) -> Trainer:
    """A full training of a fresh ``config.build_network()`` on MNIST plus the user samples."""
    train_x, train_y = scratch_training_set(samples_x, samples_y, mnist, copies, config.seed)
    return Trainer(config.build_network(), config, train_x, train_y, mnist.test_x, mnist.test_y)


# ------------------------------------------------------------------------------------ the report


@dataclass(frozen=True)
class RetrainReport:
    """What a retraining changed. Indices are rows of the samples it was evaluated on."""

    n_samples: int
    samples_accuracy_before: float  # fraction of the user samples read right
    samples_accuracy_after: float
    mnist_accuracy_before: float | None  # on MNIST's 10,000 test images; None without MNIST
    mnist_accuracy_after: float | None
    predicted_before: tuple[int, ...]  # the network's answer for each sample
    predicted_after: tuple[int, ...]
    labels: tuple[int, ...]
    flipped_right: tuple[int, ...]  # read wrong before, right after
    flipped_wrong: tuple[int, ...]  # read right before, wrong after
    sample_ids: tuple[str, ...] = field(default=())  # the samples' ids, when given
    # per digit, the share of MNIST's test images of that digit read right; None without MNIST
    mnist_per_digit_before: tuple[float, ...] | None = None
    mnist_per_digit_after: tuple[float, ...] | None = None
    explanation: str = ""  # why it could not help, in words (``explain``); empty when it did

    @property
    def flipped_right_ids(self) -> tuple[str, ...]:
        return tuple(self.sample_ids[i] for i in self.flipped_right) if self.sample_ids else ()

    @property
    def flipped_wrong_ids(self) -> tuple[str, ...]:
        return tuple(self.sample_ids[i] for i in self.flipped_wrong) if self.sample_ids else ()


def evaluate_before_after(
    net_before: Network,
    net_after: Network,
    samples_x: np.ndarray,
    samples_y: np.ndarray,
    mnist: MNIST | None = None,
    ids: Sequence[str] = (),
) -> RetrainReport:
    """Accuracy on the samples and on MNIST's test set for both networks, and what flipped."""
    x, y = _check_samples(samples_x, samples_y)
    if ids and len(ids) != len(x):
        raise ValueError(f"{len(ids)} ids for {len(x)} samples")
    before = net_before.predict(x) if len(x) else np.zeros(0, dtype=np.int64)
    after = net_after.predict(x) if len(x) else np.zeros(0, dtype=np.int64)
    right_before, right_after = before == y, after == y
    mnist_before = mnist_after = digits_before = digits_after = None
    if mnist is not None:
        counts_before = confusion_matrix(mnist.test_y, net_before.predict(mnist.test_x))
        counts_after = confusion_matrix(mnist.test_y, net_after.predict(mnist.test_x))
        mnist_before = float(np.trace(counts_before) / max(len(mnist.test_y), 1))
        mnist_after = float(np.trace(counts_after) / max(len(mnist.test_y), 1))
        digits_before = tuple(float(a) for a in per_digit_accuracy(counts_before))
        digits_after = tuple(float(a) for a in per_digit_accuracy(counts_after))
    report = RetrainReport(
        n_samples=len(x),
        samples_accuracy_before=float(right_before.mean()) if len(x) else 0.0,
        samples_accuracy_after=float(right_after.mean()) if len(x) else 0.0,
        mnist_accuracy_before=mnist_before,
        mnist_accuracy_after=mnist_after,
        predicted_before=tuple(int(p) for p in before),
        predicted_after=tuple(int(p) for p in after),
        labels=tuple(int(v) for v in y),
        flipped_right=tuple(int(i) for i in np.flatnonzero(~right_before & right_after)),
        flipped_wrong=tuple(int(i) for i in np.flatnonzero(right_before & ~right_after)),
        sample_ids=tuple(ids),
        mnist_per_digit_before=digits_before,
        mnist_per_digit_after=digits_after,
    )
    return dataclasses.replace(report, explanation=explain(report, net_after))


def explain(report: RetrainReport, net_after: Network | None = None) -> str:
    """Why a retraining did not help (or hurt MNIST), in a few sentences; "" when it did what it should."""
    n = report.n_samples
    right_before = round(report.samples_accuracy_before * n)
    right_after = round(report.samples_accuracy_after * n)
    notes = []
    if n and right_before == n:
        notes.append(f"The network already read all {n} of your samples right, so there was nothing to "
                     "correct: retraining can only make it surer of them.")
    elif n and right_after < n:
        still = n - right_after
        notes.append(f"{still} of your {n} samples {'is' if still == 1 else 'are'} still misread, although the "
                     "retraining went on at a rising learning rate while any sample was misread.")
        sizes = tuple(getattr(net_after, "layer_sizes", ()))  # stand-ins for a network may have none
        if len(sizes) > 2:
            smallest = min(sizes[1:-1])
            if smallest < 64:
                notes.append(f"A hidden layer of only {smallest} neurons has little room for a new way of "
                             "drawing next to all of MNIST's.")
        if report.flipped_wrong:
            notes.append(f"{len(report.flipped_wrong)} sample(s) read right before are now misread: samples "
                         "of different digits may look alike to it.")
        notes.append("More samples of the style, less MNIST replay, or Train from scratch with my samples "
                     "may help.")
    if report.mnist_accuracy_before is not None and report.mnist_accuracy_after is not None:
        drop = (report.mnist_accuracy_before - report.mnist_accuracy_after) * 100
        if drop > 1:
            notes.append(f"MNIST test accuracy fell by {drop:.1f} points: your samples pulled the network away "
                         "from MNIST. More replay keeps more of it; Undo retrain brings the old network back.")
    return " ".join(notes)
