"""Hyper-parameters in one frozen dataclass, and the named presets.

``TrainConfig.validate()`` raises ``ValueError`` naming the field and why, so a GUI can show it and
a script fails early instead of at the first step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from digitlab.model.activations import ACTIVATIONS
from digitlab.model.augment import Distortion
from digitlab.model.costs import COSTS
from digitlab.model.network import Network
from digitlab.model.optimizers import OPTIMIZERS

SCHEDULES = ("constant", "cosine", "step")


def check_choice(name: str, value: object, choices) -> None:
    """``ValueError`` naming the field and the choices when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def check_positive(name: str, value: float) -> None:
    """``ValueError`` naming the field when ``value`` is not a finite positive number."""
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value}")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run, with the 3Blue1Brown network as the default."""

    layer_sizes: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "sigmoid"  # hidden layers
    cost: str = "quadratic"  # decides the output layer: sigmoid (quadratic) or softmax
    optimizer: str = "sgd"  # sgd | momentum | adam
    learning_rate: float = 3.0
    momentum: float = 0.9  # for "momentum"; Adam's beta1 is fixed at 0.9
    batch_size: int = 10
    epochs: int = 10
    l2: float = 0.0  # weight decay lambda: adds lambda * w to each weight's gradient
    schedule: str = "constant"  # constant | cosine (to 2% of the rate) | step (x0.1 at 50% and 75%)
    augment: bool = False  # random small rotation, scale, shear and shift of every training image
    seed: int = 0
    # what augment draws from (model.augment.Distortion): the affine ranges, then stroke width and
    # elastic distortion, both off by default
    rotation_deg: float = 12.0  # uniform in [-x, x] degrees
    shear: float = 0.15  # uniform in [-x, x]
    stroke_width: float = 0.0  # up to this fraction of a 1 px thickening or thinning
    elastic_alpha: float = 0.0  # px; 0 turns elastic distortion off
    elastic_sigma: float = 4.0  # px, the displacement field's smoothness
    flag_ones: float = 0.0  # share of the ones given a European flag (model.augment.flag_ones)
    curl_sixes: float = 0.0  # share of the sixes given a curled top (model.augment.curl_sixes)

    def validate(self) -> TrainConfig:
        """Raise ``ValueError`` naming the first invalid field; return self when all are valid."""
        sizes = self.layer_sizes
        if len(sizes) < 2 or any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError(f"layer_sizes must be two or more positive integers, got {sizes}")
        if sizes[0] != 784 or sizes[-1] != 10:
            raise ValueError(f"layer_sizes must start at 784 (28x28 pixels) and end at 10 (digits), got {sizes}")
        check_choice("activation", self.activation, tuple(ACTIVATIONS))
        check_choice("cost", self.cost, tuple(COSTS))
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_positive("learning_rate", self.learning_rate)
        if not (0 <= self.momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if not (isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size}")
        if not (isinstance(self.epochs, (int, np.integer)) and self.epochs >= 1):
            raise ValueError(f"epochs must be a positive integer, got {self.epochs}")
        if not (np.isfinite(self.l2) and self.l2 >= 0):
            raise ValueError(f"l2 must be zero or a positive number, got {self.l2}")
        for name in ("flag_ones", "curl_sixes"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("rotation_deg", "shear", "stroke_width", "elastic_alpha"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be zero or a positive number, got {value}")
        check_positive("elastic_sigma", self.elastic_sigma)
        return self

    def distortion(self) -> Distortion:
        """The ranges ``augment`` draws each training image's distortion from."""
        return Distortion(rotation_deg=self.rotation_deg, shear=self.shear, stroke_width=self.stroke_width,
                          elastic_alpha=self.elastic_alpha, elastic_sigma=self.elastic_sigma)

    def build_network(self) -> Network:
        """A fresh network of this shape, its weights drawn from ``seed``."""
        self.validate()
        return Network(self.layer_sizes, activation=self.activation, cost=self.cost, seed=self.seed)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["layer_sizes"] = list(self.layer_sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict (e.g. read from JSON); unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in names}
        if "layer_sizes" in kwargs:
            kwargs["layer_sizes"] = tuple(int(s) for s in kwargs["layer_sizes"])
        return cls(**kwargs)


PRESETS: dict[str, TrainConfig] = {
    # the 3Blue1Brown lesson's network, trained as in Nielsen's chapter 1 (about 95% in 10 epochs)
    "3b1b": TrainConfig(),
    # a wider ReLU network with softmax, Adam, a cosine schedule and augmentation that includes the
    # European 1's flag and the curled 6 (model.augment): the shipped model, see docs/performance.md
    "accurate": TrainConfig(
        layer_sizes=(784, 1024, 512, 10),
        activation="relu",
        cost="cross_entropy",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=128,
        epochs=50,
        l2=1e-5,
        schedule="cosine",
        augment=True,
        flag_ones=0.3,
        curl_sixes=0.3,
    ),
}
PRESET_DESCRIPTIONS = {
    "3b1b": "784-16-16-10 sigmoid, quadratic cost, plain SGD: the network of the 3Blue1Brown lesson",
    "accurate": "784-1024-512-10 ReLU, softmax + cross-entropy, Adam, augmentation (flagged 1s, curled 6s): the shipped model",
}
