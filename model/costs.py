"""Costs, each with the output nonlinearity it goes with and its output-layer error (BP1).

A cost is compared against integer labels ``y`` (shape (n,)); it turns them into one-hot targets
itself. Every cost gives:

- ``output(z)``: the output-layer activations a^L for weighted inputs z^L, shape (n, 10);
- ``value(z, a, y)``: the cost per example, shape (n,); the network averages it over the batch
  (it takes z too, so softmax + cross-entropy can be computed stably from z);
- ``delta(z, a, y)``: BP1, the output error delta^L = dC/dz^L for each example, shape (n, 10);
- ``nudges(a, y)``: the change the cost asks of each output, -dC/da for the quadratic cost. For
  softmax the outputs are coupled (raising one lowers the others), so there the nudge is taken on
  the weighted input, -dC/dz; in both cases it equals target - output.

Two pairs, as in Nielsen's book: sigmoid outputs with the quadratic cost (the 3Blue1Brown lesson's)
and softmax outputs with the cross-entropy (log-likelihood) cost. Softmax + cross-entropy is
computed from z with the log-sum-exp trick, so it stays finite where log(a) would not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from digitlab.model.activations import sigmoid

Array = np.ndarray


def one_hot(y: Array, n_classes: int, dtype: np.dtype | type = np.float32) -> Array:
    """Integer labels (n,) -> one-hot rows (n, n_classes)."""
    out = np.zeros((len(y), n_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def softmax(z: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Cost:
    name: str
    output: Callable[[Array], Array]
    value: Callable[[Array, Array, Array], Array]  # (z, a, y) -> (n,)
    delta: Callable[[Array, Array, Array], Array]  # BP1: (z, a, y) -> dC/dz, (n, k)
    output_name: str  # the output nonlinearity, for people


def _quadratic_value(z: Array, a: Array, y: Array) -> Array:
    # C = 1/2 ||a - y||^2 per example
    diff = a - one_hot(y, a.shape[1], a.dtype)
    return 0.5 * np.einsum("ij,ij->i", diff, diff)


def _quadratic_delta(z: Array, a: Array, y: Array) -> Array:
    # BP1: delta^L = (a^L - y) * sigma'(z^L), with sigma' = a (1 - a)
    return (a - one_hot(y, a.shape[1], a.dtype)) * (a * (1 - a))


def _cross_entropy_value(z: Array, a: Array, y: Array) -> Array:
    # C = -log softmax(z)_y = logsumexp(z) - z_y, finite even where a_y underflows to 0
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return lse - z[np.arange(len(y)), y]


def _cross_entropy_delta(z: Array, a: Array, y: Array) -> Array:
    # BP1 for softmax + log-likelihood: the sigma' factor cancels, delta^L = a^L - y
    d = a.copy()
    d[np.arange(len(y)), y] -= 1
    return d


COSTS: dict[str, Cost] = {
    c.name: c
    for c in (
        Cost("quadratic", sigmoid, _quadratic_value, _quadratic_delta, "sigmoid"),
        Cost("cross_entropy", softmax, _cross_entropy_value, _cross_entropy_delta, "softmax"),
    )
}


def get_cost(name: str) -> Cost:
    """The cost called ``name``; a ``ValueError`` lists the known ones otherwise."""
    try:
        return COSTS[name]
    except KeyError:
        raise ValueError(f"unknown cost {name!r}: choose one of {', '.join(sorted(COSTS))}") from None


def nudges(a: Array, y: Array) -> Array:
    """What the cost asks of each output neuron: target - output (see the module docstring)."""
    return one_hot(y, a.shape[1], a.dtype) - a
