"""Hyper-parameters in one frozen dataclass, and the named presets.

``TrainConfig.validate()`` raises ``ValueError`` naming the field and why, so a GUI can show it and
a script fails early instead of at the first step. Every field is bounded, not only checked for
sign: the layer sizes by what this machine can hold and draw (``model.limits``), the integers by
what a Qt spin box can show (``MAX_SEED`` is a C int's maximum) and what a run can use
(``MAX_BATCH_SIZE``, ``MAX_EPOCHS``). A config that validates can be built without a
``MemoryError``; the training panel range-checks what it shows on top (its learning rate field
stops at 100, say, where a script may diverge on purpose).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from digitlab.model.activations import ACTIVATIONS
from digitlab.model.augment import Distortion
from digitlab.model.costs import COSTS
from digitlab.model.limits import network_size_problem
from digitlab.model.network import Network
from digitlab.model.optimizers import OPTIMIZERS

SCHEDULES = ("constant", "cosine", "step")
MAX_SEED = 2**31 - 1  # what a Qt spin box (a C int) can hold
MAX_BATCH_SIZE = 60_000  # MNIST's training set: a larger batch is the same full batch
MAX_EPOCHS = 100_000
MAX_LAYER_SIZES = 34  # input, up to 32 hidden layers, output: what the network view can lay out


def check_choice(name: str, value: object, choices) -> None:
    """``ValueError`` naming the field and the choices when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_positive(name: str, value: float) -> None:
    """``ValueError`` naming the field when ``value`` is not a finite positive number."""
    if not (_is_number(value) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def check_int(name: str, value: object, low: int, high: int) -> None:
    """``ValueError`` naming the field when ``value`` is not an integer from ``low`` to ``high``."""
    if not (_is_int(value) and low <= value <= high):
        raise ValueError(f"{name} must be an integer from {low:,} to {high:,}, got {value!r}")


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
    # the network reads every input deskewed (model.deskew), in training after augmentation and
    # ever after: a property of the network it builds, stored in its model file
    deskew: bool = False

    def validate(self) -> TrainConfig:
        """Raise ``ValueError`` naming the first invalid field; return self when all are valid."""
        sizes = self.layer_sizes
        if (not isinstance(sizes, (tuple, list)) or not 2 <= len(sizes) <= MAX_LAYER_SIZES
                or any(not _is_int(s) or s < 1 for s in sizes)):
            raise ValueError(f"layer_sizes must be 2 to {MAX_LAYER_SIZES} positive integers, got {sizes!r:.200}")
        if sizes[0] != 784 or sizes[-1] != 10:
            raise ValueError(f"layer_sizes must start at 784 (28x28 pixels) and end at 10 (digits), got {sizes}")
        for name, value, choices in (("activation", self.activation, tuple(ACTIVATIONS)), ("cost", self.cost, tuple(COSTS)),
                                     ("optimizer", self.optimizer, OPTIMIZERS), ("schedule", self.schedule, SCHEDULES)):
            check_choice(name, value, choices)
        check_positive("learning_rate", self.learning_rate)
        if not (_is_number(self.momentum) and 0 <= self.momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        check_int("seed", self.seed, 0, MAX_SEED)
        if not (_is_number(self.l2) and np.isfinite(self.l2) and 0 <= self.l2 <= 1):
            raise ValueError(f"l2 must be a number from 0 to 1, got {self.l2!r}")
        for name in ("augment", "deskew"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        problem = network_size_problem(sizes, self.batch_size)
        if problem:
            raise ValueError(f"layer_sizes: {problem}")
        for name in ("flag_ones", "curl_sixes"):
            if not (_is_number(getattr(self, name)) and 0 <= getattr(self, name) <= 1):
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("rotation_deg", "shear", "stroke_width", "elastic_alpha"):
            value = getattr(self, name)
            if not (_is_number(value) and np.isfinite(value) and value >= 0):
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
        return Network(self.layer_sizes, activation=self.activation, cost=self.cost, seed=self.seed,
                       deskew=bool(self.deskew))

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["layer_sizes"] = list(self.layer_sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict (e.g. read from JSON); unknown keys are ignored. Values are not
        checked (``validate`` does), but anything malformed raises ``ValueError``, never another
        exception: a dict from a file or a setting may hold anything."""
        if not isinstance(d, dict):
            raise ValueError(f"a training configuration must be a JSON object, got {type(d).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in names}
        if "layer_sizes" in kwargs:
            sizes = kwargs["layer_sizes"]
            if not isinstance(sizes, (list, tuple)) or len(sizes) > MAX_LAYER_SIZES or not all(map(_is_int, sizes)):
                raise ValueError(f"layer_sizes must be a list of up to {MAX_LAYER_SIZES} integers, got {sizes!r:.200}")
            kwargs["layer_sizes"] = tuple(int(s) for s in sizes)
        return cls(**kwargs)


PRESETS: dict[str, TrainConfig] = {
    # the 3Blue1Brown lesson's network, trained as in Nielsen's chapter 1 (about 95% in 10 epochs)
    "3b1b": TrainConfig(),
    # a wider ReLU network with softmax, Adam, a cosine schedule and augmentation that includes the
    # European 1's flag and the curled 6 (model.augment), reading its inputs deskewed (model.deskew):
    # the shipped model; trained with --threads 2 it stays within 15 minutes here (docs/performance.md)
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
        deskew=True,
    ),
}
PRESET_DESCRIPTIONS = {
    "3b1b": "784-16-16-10 sigmoid, quadratic cost, plain SGD: the network of the 3Blue1Brown lesson",
    "accurate": ("784-1024-512-10 ReLU, softmax + cross-entropy, Adam, augmentation (flagged 1s, curled 6s), "
                 "deskewed inputs: the shipped model"),
}
