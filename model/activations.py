"""Hidden-layer nonlinearities, each beside its derivative.

An activation is a pair of functions of the weighted input z (any shape, float32 or float64):
``f(z)`` gives the activation a = sigma(z) and ``der(z, a)`` gives sigma'(z). The derivative is
handed the already computed ``a`` too, because for sigmoid and tanh it is cheapest in terms of a
(sigma' = a (1 - a), tanh' = 1 - a^2). Output-layer nonlinearities live with their costs
(``costs.py``), since the cost decides them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """A nonlinearity sigma and its derivative sigma'."""

    name: str
    f: Callable[[Array], Array]  # a = sigma(z)
    der: Callable[[Array, Array], Array]  # sigma'(z), given z and a = sigma(z)


def sigmoid(z: Array) -> Array:
    """Logistic function 1 / (1 + e^-z), written so that large |z| neither overflows nor warns."""
    # exp of a non-positive number never overflows: use e^-|z| and pick the branch by sign
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def _sigmoid_der(z: Array, a: Array) -> Array:
    return a * (1 - a)


def _tanh_der(z: Array, a: Array) -> Array:
    return 1 - a * a


def _relu(z: Array) -> Array:
    return np.maximum(z, 0)


def _relu_der(z: Array, a: Array) -> Array:
    # the derivative at exactly 0 is taken as 0 (a subgradient)
    return (z > 0).astype(z.dtype)


def _leaky_relu(z: Array) -> Array:
    return np.where(z > 0, z, z * 0.01).astype(z.dtype, copy=False)


def _leaky_relu_der(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, 0.01).astype(z.dtype)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, _sigmoid_der),
        Activation("tanh", np.tanh, _tanh_der),
        Activation("relu", _relu, _relu_der),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_der),
    )
}


def get_activation(name: str) -> Activation:
    """The activation called ``name``; a ``ValueError`` lists the known ones otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}: choose one of {', '.join(sorted(ACTIVATIONS))}"
        ) from None
