"""The multilayer perceptron: initialisation, forward pass, hand-written backward pass (BP1-BP4).

Notation follows Michael Nielsen's *Neural Networks and Deep Learning*, chapter 2: layer l has
weights w^l (n_l, n_{l-1}) so that w^l[j, k] joins neuron k of layer l-1 to neuron j of layer l,
biases b^l (n_l,), weighted inputs z^l = w^l a^{l-1} + b^l and activations a^l = sigma(z^l).
Rows are examples: a batch x of shape (n, 784) flows through as (n, n_l) matrices, so
z^l = a^{l-1} @ w^l.T + b^l, and every gradient is the average over the batch.

The four backpropagation equations, each named where it is computed:

- BP1  delta^L = dC/da^L * sigma'(z^L)                  (output error; ``costs.py``)
- BP2  delta^l = (delta^{l+1} @ w^{l+1}) * sigma'(z^l)    (error moves back one layer)
- BP3  dC/db^l = delta^l                                 (averaged over the batch)
- BP4  dC/dw^l = delta^l.T @ a^{l-1}                     (averaged over the batch)

Left out on purpose: convolutions, dropout, batch normalisation. This is the network the
3Blue1Brown lesson draws, kept small enough to show every number it computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitlab.model.activations import get_activation
from digitlab.model.costs import get_cost
from digitlab.model.deskew import deskew as deskew_images

Array = np.ndarray


@dataclass
class Forward:
    """Everything a forward pass computed: zs[l] is z^{l+1}, activations[0] is the input."""

    zs: list[Array]  # per layer past the input: (n, n_l)
    activations: list[Array]  # input first: (n, 784), (n, n_1), ..., (n, 10)


@dataclass
class Gradients:
    """The result of backpropagation over a batch: the gradient and what it was computed from.

    ``nabla_w`` and ``nabla_b`` together are the gradient vector "with a change for every weight
    and bias" (its negative, times the learning rate, is the SGD step); ``flat()`` lays it out as one
    vector. ``deltas`` are the per-example errors delta^l, kept because the GUI shows them.
    """

    nabla_w: list[Array]  # dC/dw^l, same shapes as the weights
    nabla_b: list[Array]  # dC/db^l, same shapes as the biases
    cost: float  # batch-mean cost at the weights before any update
    costs: Array  # per-example cost, (n,)
    deltas: list[Array]  # delta^l per example, (n, n_l), layer 1 first
    forward: Forward

    def flat(self) -> Array:
        """The gradient as one vector: every layer's weights (row-major), then its biases."""
        parts: list[Array] = []
        for w, b in zip(self.nabla_w, self.nabla_b):
            parts += [w.ravel(), b.ravel()]
        return np.concatenate(parts)


def weighted_input(a: Array, w: Array) -> Array:
    """a @ w.T, the w^l a^{l-1} of z^l, for a batch a (n, n_in) and weights w (n_out, n_in).

    One example through an input-major w (``Network.make_input_major``) reads only the rows of
    w.T whose input is non-zero: about a fifth of a drawing's 784 pixels are inked and ReLU leaves
    most of a hidden layer at 0, and reading the weights from memory is what one example costs.
    """
    if a.shape[0] == 1 and w.T.flags.c_contiguous:
        active = np.flatnonzero(a[0])
        if 2 * active.size <= a.shape[1]:  # gathering most of the rows costs more than it saves
            return a[:, active] @ w.T[active]
    return a @ w.T


def _check_sizes(layer_sizes: Sequence[int]) -> tuple[int, ...]:
    sizes = tuple(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output layer, got {sizes}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"layer sizes must be positive integers, got {sizes}")
    return tuple(int(s) for s in sizes)


class Network:
    """A fully connected feed-forward network.

    ``Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)`` builds the
    3Blue1Brown network. ``activation`` is the hidden layers' nonlinearity; ``cost`` decides the
    output layer's (sigmoid for "quadratic", softmax for "cross_entropy").

    ``deskew``: the network reads its inputs deskewed (``model.deskew``), as it was trained. The
    shear is part of the network, applied in ``inputs``, so every path that feeds it images
    (training, evaluation, the live drawing, retraining on the user's samples) deskews them alike
    and none can forget; ``activations[0]`` of a forward pass is the deskewed input.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "sigmoid",
        cost: str = "cross_entropy",
        seed: int | None = None,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
        deskew: bool = False,
    ) -> None:
        self.layer_sizes = _check_sizes(layer_sizes)
        if deskew and self.layer_sizes[0] != 784:
            raise ValueError(f"deskew needs 28x28 = 784 inputs, got {self.layer_sizes[0]}")
        self.deskew = bool(deskew)  # inputs are sheared upright before layer 1 (see ``inputs``)
        self.activation = get_activation(activation)
        self.cost_fn = get_cost(cost)
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng(seed)
        # He initialisation for rectifiers, 1/sqrt(n_in) (Nielsen, chapter 3) for squashing units,
        # so that z starts with unit-order spread and neither saturates nor dies
        gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0
        self.weights: list[Array] = [
            (rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in)).astype(self.dtype)
            for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:])
        ]
        self.biases: list[Array] = [np.zeros(n, dtype=self.dtype) for n in self.layer_sizes[1:]]

    # ----------------------------------------------------------------------------- description
    @property
    def activation_name(self) -> str:
        return self.activation.name

    @property
    def cost_name(self) -> str:
        return self.cost_fn.name

    @property
    def n_params(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        flag = ", deskew=True" if self.deskew else ""
        return f"Network({sizes}, activation={self.activation.name!r}, cost={self.cost_fn.name!r}{flag})"

    def copy(self) -> Network:
        """An independent copy: same architecture, weights and biases copied."""
        twin = Network.__new__(Network)
        twin.layer_sizes = self.layer_sizes
        twin.activation, twin.cost_fn, twin.dtype = self.activation, self.cost_fn, self.dtype
        twin.deskew = self.deskew
        twin.weights = [w.copy() for w in self.weights]
        twin.biases = [b.copy() for b in self.biases]
        return twin

    def astype(self, dtype: type) -> Network:
        """A copy with every parameter in ``dtype`` (float64 for gradient checks)."""
        twin = self.copy()
        twin.dtype = np.dtype(dtype)
        twin.weights = [w.astype(dtype) for w in self.weights]
        twin.biases = [b.astype(dtype) for b in self.biases]
        return twin

    def make_input_major(self) -> None:
        """Store each w^l input-major (``w.T`` contiguous): same values and shapes, but one image's
        forward pass then reads only the rows of ``w.T`` of its non-zero inputs (see
        ``weighted_input``): a fifth of the shipped model's weights for a drawing (``benchmarks.drawn``).

        The arrays are replaced, so a Trainer holding the old ones no longer trains this network:
        do it to a network that is read (the app's live reading), not to one being trained.
        ``copy`` gives row-major arrays again.
        """
        self.weights = [np.asfortranarray(w) for w in self.weights]

    # ----------------------------------------------------------------------------- forward pass
    def _as_batch(self, x: Array) -> Array:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"input must have shape (n, {self.layer_sizes[0]}), got {x.shape}")
        return x

    def inputs(self, x: Array) -> Array:
        """a^0, what layer 1 reads for images x (n, 784) or (784,): x as a batch, deskewed when
        ``self.deskew``. The one place a network's input is made; the preview shows its result."""
        a = self._as_batch(x)
        return deskew_images(a).astype(self.dtype, copy=False) if self.deskew else a

    def forward(self, x: Array, prepared: bool = False) -> Forward:
        """Feed a batch x (n, n_0) forward; return every layer's z and activation. ``prepared``:
        x is a^0 already (``inputs`` made it, e.g. ahead of time in a training loop)."""
        a = x if prepared else self.inputs(x)
        zs: list[Array] = []
        activations = [a]
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = weighted_input(a, w)  # (n, n_l): z^l = w^l a^{l-1} + b^l, a row per example
            z += b
            a = self.cost_fn.output(z) if l == last else self.activation.f(z)
            zs.append(z)
            activations.append(a)
        return Forward(zs, activations)

    def predict_proba(self, x: Array) -> Array:
        """Output activations (n, 10): probabilities for softmax, independent sigmoids otherwise."""
        a = self.inputs(x)
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = weighted_input(a, w)
            z += b
            a = self.cost_fn.output(z) if l == last else self.activation.f(z)
        return a

    def predict(self, x: Array) -> Array:
        """The most active output for each example, (n,)."""
        return self.predict_proba(x).argmax(axis=1)

    def evaluate(self, x: Array, y: Array, chunk: int = 10_000, prepared: bool = False,
                 outputs: list[Array] | None = None) -> tuple[float, float]:
        """Mean cost and accuracy over a whole data set, in chunks to bound memory (``prepared``:
        x is a^0 already, as for ``forward``). ``outputs``: a list each chunk's output activations
        are appended to, for a caller that wants the answers too from the same pass."""
        total_cost, correct = 0.0, 0
        for i in range(0, len(x), chunk):
            f = self.forward(x[i : i + chunk], prepared)
            if outputs is not None:
                outputs.append(f.activations[-1])
            yc = np.asarray(y[i : i + chunk])
            total_cost += float(self.cost_fn.value(f.zs[-1], f.activations[-1], yc).sum())
            correct += int((f.activations[-1].argmax(axis=1) == yc).sum())
        n = max(len(x), 1)
        return total_cost / n, correct / n

    # ----------------------------------------------------------------------------- backward pass
    def backward(self, x: Array, y: Array, prepared: bool = False) -> Gradients:
        """Backpropagation over a batch: the batch-averaged gradient of the cost.

        x: (n, n_0) inputs (a^0 already when ``prepared``); y: (n,) integer labels. Nothing is
        changed: apply the result with ``apply_gradients`` or an optimizer.
        """
        y = np.asarray(y)
        f = self.forward(x, prepared)
        zs, acts = f.zs, f.activations
        n = acts[0].shape[0]
        inv_n = self.dtype.type(1 / n)
        costs = self.cost_fn.value(zs[-1], acts[-1], y)
        n_layers = len(self.weights)
        nabla_w: list[Array] = [None] * n_layers  # type: ignore[list-item]
        nabla_b: list[Array] = [None] * n_layers  # type: ignore[list-item]
        deltas: list[Array] = [None] * n_layers  # type: ignore[list-item]

        # indices: the code's 0-based l is the weight matrix into the maths' layer l+1 (the input
        # is layer 0): weights[l] = w^{l+1}, zs[l] = z^{l+1}, deltas[l] = delta^{l+1}, acts[l] = a^l
        delta = self.cost_fn.delta(zs[-1], acts[-1], y)  # BP1: output error delta^L, (n, n_L)
        for l in range(n_layers - 1, -1, -1):
            deltas[l] = delta  # delta^{l+1}
            nabla_b[l] = delta.sum(axis=0)  # BP3: dC/db^{l+1} = delta^{l+1}
            nabla_b[l] *= inv_n  # batch mean, in place
            nabla_w[l] = delta.T @ acts[l]  # BP4: dC/dw^{l+1}_jk = a^l_k delta^{l+1}_j
            nabla_w[l] *= inv_n
            if l > 0:
                # BP2: delta^l = (w^{l+1}.T delta^{l+1}) * sigma'(z^l), a row per example
                delta = delta @ self.weights[l]
                delta *= self.activation.der(zs[l - 1], acts[l])
        return Gradients(
            nabla_w=[g.astype(self.dtype, copy=False) for g in nabla_w],
            nabla_b=[g.astype(self.dtype, copy=False) for g in nabla_b],
            cost=float(costs.mean()),
            costs=costs,
            deltas=deltas,
            forward=f,
        )

    def apply_gradients(self, grads: Gradients, learning_rate: float) -> None:
        """Plain gradient descent: w <- w - eta * dC/dw, b <- b - eta * dC/db."""
        for w, b, gw, gb in zip(self.weights, self.biases, grads.nabla_w, grads.nabla_b):
            w -= learning_rate * gw
            b -= learning_rate * gb
