"""One backprop step laid out in stages, a mini-batch ledger, and a finite-difference check.

This is the arithmetic behind the step-through (``gui/step_through.py``): every number comes from
the network's own ``forward`` and ``backward`` (``model/network.py``, BP1-BP4), so what the screen
shows is what training computes, never a re-derivation that could drift from it.

- ``trace_step(net, x, label, learning_rate)``: one example walked through the five stages of
  ``STAGES`` (forward, cost, backward, gradient, update). The update is plain gradient descent,
  w <- w - eta dC/dw, applied to a *copy* of the network to give the cost before and after; the
  network passed in is never changed. (Training may use momentum or Adam; the step-through shows
  the textbook step, which is what the equations describe.)
- ``ledger(net, xs, ys, layer, neuron)``: for a small batch, each example's desired change of one
  neuron's bias and incoming weights (its own gradient, negated) and their average. The average is
  the batch's step divided by the learning rate: "an aggregate of the changes" (3Blue1Brown,
  chapter 3), since ``backward`` averages the per-example gradients.
- ``check_gradient(net, x, y)``: backprop's gradient against central finite differences
  (dC/dp ~ (C(p + h) - C(p - h)) / 2h) in float64, on a sample of parameters that always includes
  the largest-gradient ones.

Indices: ``layer`` is an index into ``net.weights`` (0 = the weights into the first hidden layer),
so neuron ``j`` of ``layer`` is neuron j of Nielsen's layer ``layer + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.model.costs import nudges as cost_nudges
from digitlab.model.costs import one_hot
from digitlab.model.network import Network

Array = np.ndarray


@dataclass(frozen=True)
class Stage:
    """A stage of the step-through: its key, a short title and one plain sentence."""

    name: str
    title: str
    sentence: str


STAGES: tuple[Stage, ...] = (
    Stage("forward", "1. Forward",
          "The 784 pixels go in; each layer weighs the activations before it, adds its biases and "
          "squashes the sum (z = w·a + b, a = σ(z)), so activations light up layer by layer."),
    Stage("cost", "2. Cost",
          "The output is compared with the correct answer (1 for the label, 0 for the other digits): "
          "the cost says how wrong it is, and each nudge (target − output) says which way that output "
          "should move and how much."),
    Stage("backward", "3. Backward",
          "Each neuron's error δ is how much the cost changes when its weighted input z changes: the "
          "output's comes from the cost (BP1), each earlier layer's from the errors after it, sent "
          "back through the same weights and scaled by σ′(z) (BP2)."),
    Stage("gradient", "4. Gradient",
          "The change asked of each weight is the activation coming in times the error going out "
          "(∂C/∂w = a·δ, BP4); of each bias, the error itself (∂C/∂b = δ, BP3). Shown negated: the "
          "direction that lowers the cost."),
    Stage("update", "5. Update",
          "Every weight and bias moves by −η times its gradient (η is the learning rate); the cost of "
          "this example before and after the step shows what the step did."),
)


# ------------------------------------------------------------------------------------------ trace


@dataclass(frozen=True)
class Trace:
    """Everything one backprop step on one example computed, stage by stage (vectors, not batches)."""

    x: Array  # (n_0,) the input
    label: int
    learning_rate: float
    # forward
    zs: tuple[Array, ...]  # z^l = w^l a^{l-1} + b^l per layer past the input, (n_l,)
    activations: tuple[Array, ...]  # a^l, the input first: (n_0,), (n_1,), ..., (n_L,)
    # cost
    target: Array  # (n_L,) one-hot of the label
    cost: float  # C of this example
    nudges: Array  # (n_L,) target - output: what the cost asks of each output
    # backward, layer 1 first (walk it with ``backward_order``)
    deltas: tuple[Array, ...]  # delta^l = dC/dz^l, (n_l,)
    sigma_primes: tuple[Array, ...]  # sigma'(z^l) of the hidden layers, the BP2 factor, (n_l,)
    # gradient
    nabla_w: tuple[Array, ...]  # dC/dw^l = outer(delta^l, a^{l-1})  (BP4), shapes of the weights
    nabla_b: tuple[Array, ...]  # dC/db^l = delta^l  (BP3)
    # update (on a copy)
    weight_changes: tuple[Array, ...]  # -eta dC/dw^l, the change the step applies
    bias_changes: tuple[Array, ...]  # -eta dC/db^l
    cost_after: float  # C of this example after the step
    output_after: Array  # (n_L,) the output after the step

    @property
    def output(self) -> Array:
        return self.activations[-1]

    @property
    def prediction(self) -> int:
        return int(self.output.argmax())

    @property
    def prediction_after(self) -> int:
        return int(self.output_after.argmax())

    @property
    def backward_order(self) -> range:
        """Layer indices in the order backprop visits them: the output layer first."""
        return range(len(self.deltas) - 1, -1, -1)


def _example_cost(net: Network, x: Array, label: int) -> tuple[float, Array]:
    f = net.forward(x)
    return float(net.cost_fn.value(f.zs[-1], f.activations[-1], np.array([label]))[0]), f.activations[-1][0]


def trace_step(net: Network, x: Array, label: int, learning_rate: float) -> Trace:
    """Walk one gradient-descent step on the example (x, label); ``net`` is left unchanged."""
    x = np.asarray(x).reshape(-1)
    label = int(label)
    n_out = net.layer_sizes[-1]
    if not 0 <= label < n_out:
        raise ValueError(f"label must be in 0..{n_out - 1}, got {label}")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate}")
    y = np.array([label])
    grads = net.backward(x[None, :], y)  # the real BP1-BP4, on a batch of one
    zs = tuple(z[0] for z in grads.forward.zs)
    acts = tuple(a[0] for a in grads.forward.activations)
    sigma_primes = tuple(
        net.activation.der(grads.forward.zs[l], grads.forward.activations[l + 1])[0]
        for l in range(len(zs) - 1)
    )
    twin = net.copy()
    twin.apply_gradients(grads, learning_rate)  # w <- w - eta dC/dw, on the copy only
    cost_after, output_after = _example_cost(twin, x, label)
    return Trace(
        x=acts[0],
        label=label,
        learning_rate=float(learning_rate),
        zs=zs,
        activations=acts,
        target=one_hot(y, n_out, acts[-1].dtype)[0],
        cost=grads.cost,
        nudges=cost_nudges(grads.forward.activations[-1], y)[0],
        deltas=tuple(d[0] for d in grads.deltas),
        sigma_primes=sigma_primes,
        nabla_w=tuple(grads.nabla_w),
        nabla_b=tuple(grads.nabla_b),
        weight_changes=tuple(-learning_rate * g for g in grads.nabla_w),
        bias_changes=tuple(-learning_rate * g for g in grads.nabla_b),
        cost_after=cost_after,
        output_after=output_after,
    )


# ------------------------------------------------------------------------------------------ ledger


@dataclass(frozen=True)
class Ledger:
    """Per example, the change one neuron's bias and incoming weights ask for; and their average."""

    layer: int  # index into net.weights
    neuron: int  # j: row of net.weights[layer]
    labels: Array  # (k,)
    costs: Array  # (k,) each example's cost
    bias_changes: Array  # (k,) -dC_i/db_j = -delta_ij
    weight_changes: Array  # (k, n_in) -dC_i/dw_jm = -delta_ij a_im

    @property
    def average_bias(self) -> float:
        """The batch's desired change of the bias: the step taken is learning_rate times this."""
        return float(self.bias_changes.mean())

    @property
    def average_weights(self) -> Array:
        """(n_in,) the batch's desired change of each incoming weight (= -dC/dw of the batch)."""
        return self.weight_changes.mean(axis=0)

    def largest(self, n: int) -> Array:
        """Indices of the n incoming weights whose average change is largest in size."""
        order = np.argsort(-np.abs(self.average_weights), kind="stable")
        return order[:n]


def ledger(net: Network, xs: Array, ys: Array, layer: int, neuron: int) -> Ledger:
    """Each example's desired changes for neuron ``neuron`` of weight layer ``layer``."""
    n_layers = len(net.weights)
    if not -n_layers <= layer < n_layers:
        raise ValueError(f"layer must be in 0..{n_layers - 1}, got {layer}")
    layer %= n_layers
    n = net.layer_sizes[layer + 1]
    if not 0 <= neuron < n:
        raise ValueError(f"neuron must be in 0..{n - 1} for layer {layer}, got {neuron}")
    ys = np.asarray(ys)
    grads = net.backward(xs, ys)  # one batched pass: row i of each delta is example i's own
    delta_j = grads.deltas[layer][:, neuron]  # (k,)
    a_in = grads.forward.activations[layer]  # (k, n_in)
    return Ledger(
        layer=layer,
        neuron=neuron,
        labels=ys.copy(),
        costs=grads.costs,
        bias_changes=-delta_j,  # BP3 per example, negated
        weight_changes=-delta_j[:, None] * a_in,  # BP4 per example, negated
    )


# ------------------------------------------------------------------------------------------ check


@dataclass(frozen=True)
class GradCheck:
    """Backprop's gradient against central finite differences on a sample of parameters."""

    params: tuple[tuple[str, int, tuple[int, ...]], ...]  # ("w", layer, (j, k)) or ("b", layer, (j,))
    backprop: Array  # (n,) dC/dp from backward (float64)
    numeric: Array  # (n,) (C(p + h) - C(p - h)) / 2h
    rel_errors: Array  # (n,) |backprop - numeric| / max(|backprop| + |numeric|, floor)
    eps: float  # h
    floor: float

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_errors.max()) if len(self.rel_errors) else 0.0

    @property
    def worst(self) -> tuple[str, int, tuple[int, ...]]:
        return self.params[int(self.rel_errors.argmax())]


def check_gradient(
    net: Network,
    x: Array,
    y: Array | int,
    n_checks: int = 40,
    *,
    eps: float = 1e-5,
    floor: float = 1e-4,
    seed: int = 0,
) -> GradCheck:
    """Compare backprop with finite differences on ``n_checks`` parameters of a float64 copy.

    Half the sample is the parameters with the largest gradient (where a wrong rule shows
    most); the rest is drawn at random, spread evenly over every layer's weights and biases.
    The relative error's denominator is at least ``floor``: below it, the finite difference's
    own round-off (about 1e-16 * C / h) is the larger error, so tiny gradients are held to an
    absolute standard instead. At a ReLU kink (z within h of 0) no derivative exists and the
    two may disagree there; that is the function, not the code.
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y))
    net64 = net.astype(np.float64)  # a copy: perturbing it leaves net alone
    grads = net64.backward(x, y)
    arrays = [("w", l, g) for l, g in enumerate(grads.nabla_w)] + [("b", l, g) for l, g in enumerate(grads.nabla_b)]
    flat = np.concatenate([g.ravel() for _, _, g in arrays])
    offsets = np.cumsum([0] + [g.size for _, _, g in arrays])

    n_checks = max(1, int(n_checks))
    n_largest = min((n_checks + 1) // 2, flat.size)
    chosen = list(np.argsort(-np.abs(flat), kind="stable")[:n_largest])
    rng = np.random.default_rng(seed)
    taken = set(int(i) for i in chosen)
    # the rest at random, dealt to the parameter arrays in turn (skipping any already exhausted)
    free = [int(hi - lo) - sum(lo <= t < hi for t in taken) for lo, hi in zip(offsets[:-1], offsets[1:])]
    a = 0
    for _ in range(min(n_checks - n_largest, sum(free))):
        while free[a % len(arrays)] == 0:
            a += 1
        lo, hi = offsets[a % len(arrays)], offsets[a % len(arrays) + 1]
        while (i := int(lo + rng.integers(hi - lo))) in taken:
            pass
        taken.add(i)
        chosen.append(i)
        free[a % len(arrays)] -= 1
        a += 1

    def cost() -> float:
        f = net64.forward(x)
        return float(net64.cost_fn.value(f.zs[-1], f.activations[-1], y).mean())

    params, backprop, numeric = [], [], []
    for i in chosen:
        a = int(np.searchsorted(offsets, i, side="right")) - 1
        kind, l, g = arrays[a]
        idx = np.unravel_index(int(i) - int(offsets[a]), g.shape)
        p = (net64.weights if kind == "w" else net64.biases)[l]
        old = p[idx]
        p[idx] = old + eps
        up = cost()
        p[idx] = old - eps
        down = cost()
        p[idx] = old
        params.append((kind, l, tuple(int(v) for v in idx)))
        backprop.append(g[idx])
        numeric.append((up - down) / (2 * eps))
    bp, num = np.array(backprop), np.array(numeric)
    rel = np.abs(bp - num) / np.maximum(np.abs(bp) + np.abs(num), floor)
    return GradCheck(tuple(params), bp, num, rel, eps, floor)
