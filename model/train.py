"""The training engine: a generator the caller drives one backprop step at a time.

``Trainer(net, config, train_x, train_y, test_x, test_y).steps()`` yields a ``StepRecord`` after
every mini-batch step and an ``EpochRecord`` after every epoch. Records are plain data (numbers,
tuples and, on request, array copies), so they can cross to another thread as they are. The
caller stops by simply not asking for the next record: nothing runs between two ``next()`` calls.

A step: draw the batch (shuffled per epoch, seeded), distort it when augmenting, backpropagate
(``Network.backward``: BP1-BP4), add the L2 term, let the optimizer apply the change. The change
is applied only when the cost and the gradient are finite; otherwise ``TrainingDivergedError`` is
raised and the weights stay those of the last finite step.

Run as a command (``python -m digitlab.model.train --help``): see ``model/cli.py``.
"""

from __future__ import annotations

if __name__ == "__main__":  # python -m digitlab.model.train: the command of model/cli.py, which
    # catches Ctrl+C from its first moment, before NumPy (imported below) is loaded
    from digitlab.model.cli import script

    script()

import contextlib
import dataclasses
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from digitlab.model.augment import curl_sixes, distort, flag_ones
from digitlab.model.config import TrainConfig
from digitlab.model.evaluation import Evaluation, top_two
from digitlab.model.network import Network
from digitlab.model.optimizers import Optimizer


def scheduled_rate(schedule: str, lr: float, progress: float) -> float:
    """The learning rate at ``progress`` (0 to 1) through a run: constant, cosine down to 2% of
    ``lr``, or steps to a tenth at half way and a hundredth at three quarters."""
    if schedule == "cosine":
        floor = 0.02 * lr
        return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == "step":
        return lr * (0.1 ** ((progress >= 0.5) + (progress >= 0.75)))
    return lr


class TrainingDivergedError(RuntimeError):
    """The cost or the gradient stopped being finite; the weights are left as they were before."""


@dataclass(frozen=True)
class StepRecord:
    """What one backprop step did. Cost and accuracy are of this batch, before the update."""

    step: int  # 1 for the first step of the run
    epoch: int  # 1-based
    samples_seen: int
    cost: float
    accuracy: float
    learning_rate: float
    grad_norms: tuple[float, ...]  # ||dC/dw^l|| per layer (weights only), layer 1 first
    # the changes applied in this step, copies, only when the trainer's record_changes is on
    weight_changes: tuple[np.ndarray, ...] | None = None
    bias_changes: tuple[np.ndarray, ...] | None = None


@dataclass(frozen=True)
class EpochRecord:
    """Where an epoch left the network. Train figures are over a fixed subset of the training set."""

    epoch: int
    step: int
    samples_seen: int
    train_cost: float
    train_accuracy: float
    test_cost: float | None
    test_accuracy: float | None
    seconds: float  # wall time of the epoch's steps, evaluation excluded
    # the test set's answers from the same pass (the window's confusion matrix needs no pass of its own)
    test_evaluation: Evaluation | None = None

    def figures(self) -> dict:
        """The epoch's numbers by name (JSON-ready): every field but the test set's answers."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "test_evaluation"}


Record = StepRecord | EpochRecord


class Trainer:
    """Trains ``net`` in place with the hyper-parameters of ``config`` (its shape is ignored)."""

    def __init__(
        self,
        net: Network,
        config: TrainConfig,
        train_x: np.ndarray,
        train_y: np.ndarray,
        test_x: np.ndarray | None = None,
        test_y: np.ndarray | None = None,
        *,
        record_changes: bool = False,
        train_eval_size: int = 10_000,
        prefetch: bool = False,
    ) -> None:
        config.validate()
        if train_x.ndim != 2 or train_x.shape[1] != net.layer_sizes[0]:
            raise ValueError(f"train_x must have shape (n, {net.layer_sizes[0]}), got {train_x.shape}")
        if len(train_x) != len(train_y) or len(train_x) == 0:
            raise ValueError(f"need as many labels as images, and at least one: {len(train_x)} images, {len(train_y)} labels")
        if (test_x is None) != (test_y is None):
            raise ValueError("give both test_x and test_y, or neither")
        self.net = net
        self.config = config
        self.train_x = np.asarray(train_x, dtype=net.dtype)
        self.train_y = np.asarray(train_y)
        self.test_x = None if test_x is None else np.asarray(test_x, dtype=net.dtype)
        self.test_y = None if test_y is None else np.asarray(test_y)
        # the caller may switch this between steps (the GUI does when its network view opens)
        self.record_changes = record_changes
        # independent streams: the shuffle order does not depend on whether we augment
        shuffle_seed, augment_seed, eval_seed = np.random.SeedSequence(config.seed).spawn(3)
        self._shuffle_rng = np.random.default_rng(shuffle_seed)
        self._augment_rng = np.random.default_rng(augment_seed)
        self._distortion = config.distortion()
        n_eval = min(train_eval_size, len(train_x))
        self._train_eval_idx = np.sort(np.random.default_rng(eval_seed).choice(len(train_x), n_eval, replace=False))
        self._train_eval: tuple[np.ndarray, np.ndarray] | None = None
        self._test_inputs: np.ndarray | None = None
        # prepare the next batch (gather, distort, deskew: ~18% of a step of the shipped network) in
        # a thread while this one's BLAS runs; the same batches in the same order, so the same model.
        # Off in the app's trainer process, whose other core is the window's
        self.prefetch = prefetch
        self._params = [*net.weights, *net.biases]
        self.optimizer = Optimizer(self._params, kind=config.optimizer, momentum=config.momentum)
        self.step_count = 0
        self.samples_seen = 0

    # --------------------------------------------------------------------------- bookkeeping
    @property
    def last_changes(self) -> list[np.ndarray]:
        """The changes the last step applied, weights' then biases': the optimizer's own buffers, to
        read (or copy) before the next step; ``record_changes`` puts copies in the records instead."""
        return self.optimizer.change

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train_x) / self.config.batch_size)

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.config.epochs

    def learning_rate(self, step: int) -> float:
        """The rate for step ``step`` (0-based) under the configured schedule."""
        return scheduled_rate(self.config.schedule, self.config.learning_rate, step / max(self.total_steps, 1))

    # --------------------------------------------------------------------------- the loop
    def steps(self) -> Iterator[Record]:
        """Yield a record per step and per epoch, for ``config.epochs`` epochs."""
        n, bs = len(self.train_x), self.config.batch_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitlab-batches") if self.prefetch else \
                contextlib.nullcontext() as pool:
            for epoch in range(1, self.config.epochs + 1):
                started = time.perf_counter()
                order = self._shuffle_rng.permutation(n)
                starts = range(0, n, bs)
                if pool is None:
                    for i in starts:
                        yield self.step(order[i : i + bs], epoch)
                else:
                    ahead = pool.submit(self.batch, order[:bs])
                    for i in starts:
                        batch = ahead.result()
                        if i + bs < n:  # one batch ahead, in order: the augmentation's random stream is the same
                            ahead = pool.submit(self.batch, order[i + bs : i + 2 * bs])
                        yield self.step(order[i : i + bs], epoch, batch)
                seconds = time.perf_counter() - started
                yield self.evaluate(epoch, seconds)

    def batch(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The inputs a^0 (distorted when augmenting, deskewed when the network deskews) and labels
        of the examples ``idx`` of the training set."""
        x = np.take(self.train_x, idx, axis=0)  # np.take is a faster gather than x[idx]
        y = np.take(self.train_y, idx)
        if self.config.augment:
            if self.config.flag_ones:
                x = flag_ones(x, y, self._augment_rng, self.config.flag_ones)
            if self.config.curl_sixes:
                x = curl_sixes(x, y, self._augment_rng, self.config.curl_sixes)
            x = distort(x, self._augment_rng, self._distortion)
        return self.net.inputs(x), y

    def step(self, idx: np.ndarray, epoch: int = 1, batch: tuple[np.ndarray, np.ndarray] | None = None) -> StepRecord:
        """One backprop step on the examples ``idx`` of the training set (``batch``: their
        ``batch(idx)``, when made ahead)."""
        x, y = self.batch(idx) if batch is None else batch
        # overflow is detected below and reported as TrainingDivergedError, not as NumPy warnings
        with np.errstate(over="ignore", invalid="ignore"):
            grads = self.net.backward(x, y, prepared=True)
        nabla_w = grads.nabla_w  # fresh arrays of this step, free to change in place
        lr = self.learning_rate(self.step_count)
        # the optimizer adds the L2 term lambda w to dC/dw first, in place
        changes = self.optimizer.compute([*nabla_w, *grads.nabla_b], lr, self.config.l2, self.net.weights)
        norms = tuple(float(np.sqrt(np.vdot(g, g))) for g in nabla_w)  # L2 term included
        # a change that is not finite is never applied: the weights stay those of the last
        # finite step. One BLAS pass each: inf or nan make the squared norm non-finite, and so does
        # a change past ~1e19 (its square overflows float32), which is divergence all the same
        finite = math.isfinite(grads.cost) and all(map(math.isfinite, norms))
        if not (finite and all(math.isfinite(np.vdot(d, d)) for d in changes)):
            raise TrainingDivergedError(
                f"the cost or the step became infinite or undefined at step {self.step_count + 1} "
                f"(epoch {epoch}, cost {grads.cost:.4g}); the learning rate "
                f"({self.config.learning_rate:g}) is probably too large. "
                "Training stopped; the weights are those of the last finite step."
            )
        self.optimizer.apply(self._params)
        self.step_count += 1
        self.samples_seen += len(idx)
        weight_changes = bias_changes = None
        if self.record_changes:
            n_layers = len(self.net.weights)
            weight_changes = tuple(c.copy() for c in changes[:n_layers])
            bias_changes = tuple(c.copy() for c in changes[n_layers:])
        out = grads.forward.activations[-1]
        return StepRecord(
            step=self.step_count,
            epoch=epoch,
            samples_seen=self.samples_seen,
            cost=grads.cost,
            accuracy=float(np.mean(out.argmax(axis=1) == y)),
            learning_rate=lr,
            grad_norms=norms,
            weight_changes=weight_changes,
            bias_changes=bias_changes,
        )

    def _train_eval_set(self) -> tuple[np.ndarray, np.ndarray]:
        # gathered (and deskewed) once: a 10,000-row gather at every epoch end holds the GIL for
        # milliseconds, deskewing it ~0.25 s
        if self._train_eval is None:
            idx = self._train_eval_idx
            self._train_eval = (self.net.inputs(np.take(self.train_x, idx, axis=0)), np.take(self.train_y, idx))
        return self._train_eval

    def evaluate(self, epoch: int, seconds: float = 0.0) -> EpochRecord:
        """Cost and accuracy on the training subset and on the test set, as the network is now."""
        train_cost, train_acc = self.net.evaluate(*self._train_eval_set(), prepared=True)
        test_cost = test_acc = test_evaluation = None
        if self.test_x is not None:
            if self._test_inputs is None:
                self._test_inputs = self.net.inputs(self.test_x)  # once: the inputs never change
            outputs: list[np.ndarray] = []
            test_cost, test_acc = self.net.evaluate(self._test_inputs, self.test_y, prepared=True, outputs=outputs)
            answers, activations = top_two(np.concatenate(outputs))
            test_evaluation = Evaluation(np.asarray(self.test_y).astype(np.int64), answers, activations)
        return EpochRecord(
            epoch=epoch,
            step=self.step_count,
            samples_seen=self.samples_seen,
            train_cost=train_cost,
            train_accuracy=train_acc,
            test_cost=test_cost,
            test_accuracy=test_acc,
            seconds=seconds,
            test_evaluation=test_evaluation,
        )
