"""A trainer slowed on purpose, for tests of what the trainer process and the session do with time.

A run's trainer is built in the child process, so it must be importable there by name: hence a
module of its own, shared by the tests (``RunRecipe(slow_trainer, net, {..., "step_s": 0.02})``).
"""

from __future__ import annotations

import time

from digitlab.model.data import MNIST
from digitlab.model.train import Trainer


class SlowTrainer(Trainer):
    """Every step ``step_s`` longer, every epoch's measuring ``evaluate_s`` longer."""

    def __init__(self, *args, step_s: float = 0.0, evaluate_s: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.step_s, self.evaluate_s = step_s, evaluate_s

    def step(self, *args, **kwargs):
        time.sleep(self.step_s)
        return super().step(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        time.sleep(self.evaluate_s)
        return super().evaluate(*args, **kwargs)


def slow_trainer(net, config, mnist: MNIST, step_s: float = 0.0, evaluate_s: float = 0.0) -> Trainer:
    return SlowTrainer(net, config, mnist.train_x, mnist.train_y, mnist.test_x, mnist.test_y,
                       step_s=step_s, evaluate_s=evaluate_s)
