"""Where a network goes wrong: its answers on a labelled set, the confusion matrix, its errors.

``evaluate(net, x, y)`` runs a whole set through the network once (in chunks, rows as examples)
and keeps, for every image, the network's top two answers and their output activations. From that
one pass come the confusion matrix (``counts[t, p]``: images of digit t read as p), the per-digit
accuracy on its margins (of the images of t, the share read right; of those read as p, the share
that were p), and any cell's images sorted by confidence, most confident first, so that the
mistakes the network is surest of come first.

``neuron_top_images`` answers "what does this neuron look for": the images of a set that excite a
hidden neuron most (the forward pass stops at the neuron's layer).

Confidence is the winning output's activation: a probability for softmax outputs, an independent
sigmoid for the quadratic cost's outputs (then the ten do not sum to one). Left out: calibration,
precision-recall curves and anything that needs more than one pass over the set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitlab.model.network import Network

Array = np.ndarray
N_DIGITS = 10
CHUNK = 10_000  # rows per forward pass: bounds the memory of a pass over the 60,000 training images


def confusion_matrix(labels: Array, predicted: Array, n: int = N_DIGITS) -> Array:
    """(n, n) int64 counts: row t, column p is how many examples of class t were answered p."""
    labels = np.asarray(labels).astype(np.int64, copy=False)
    predicted = np.asarray(predicted).astype(np.int64, copy=False)
    if labels.shape != predicted.shape or labels.ndim != 1:
        raise ValueError(f"labels and predicted must be two 1-D arrays of one length, got {labels.shape} "
                         f"and {predicted.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n or predicted.min() < 0 or predicted.max() >= n):
        raise ValueError(f"classes must be in 0..{n - 1}")
    return np.bincount(labels * n + predicted, minlength=n * n).reshape(n, n)


def per_digit_accuracy(counts: Array) -> Array:
    """(n,) float: of the examples of each class (a row), the share answered right; NaN for none."""
    counts = np.asarray(counts)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(counts) / np.maximum(totals, 1), np.nan)


def per_answer_precision(counts: Array) -> Array:
    """(n,) float: of the examples answered each class (a column), the share that were it; NaN for none."""
    return per_digit_accuracy(np.asarray(counts).T)


@dataclass(frozen=True)
class Evaluation:
    """A network's answers on a labelled set, one row per example (the set's own order)."""

    labels: Array  # (n,) int64, the true digits
    answers: Array  # (n, 2) int64: the network's first and second answer
    activations: Array  # (n, 2) float32: the output activation of each of the two answers

    @property
    def predicted(self) -> Array:
        """(n,) the network's answer (the most active output)."""
        return self.answers[:, 0]

    @property
    def confidence(self) -> Array:
        """(n,) the winning output's activation."""
        return self.activations[:, 0]

    @property
    def counts(self) -> Array:
        """(10, 10) int64 confusion matrix: rows the true digit, columns the answer."""
        return confusion_matrix(self.labels, self.predicted)

    @property
    def accuracy(self) -> float:
        """Share of the set answered right (0.0 for an empty set)."""
        return float((self.predicted == self.labels).mean()) if len(self.labels) else 0.0

    @property
    def per_digit(self) -> Array:
        """(10,) per-digit accuracy, NaN for a digit the set has none of."""
        return per_digit_accuracy(self.counts)

    def __len__(self) -> int:
        return len(self.labels)

    def cell(self, true: int, answer: int) -> Array:
        """Indices of the examples of ``true`` answered ``answer``, most confident answer first.

        Ties keep the set's order (a stable sort), so the listing is reproducible.
        """
        idx = np.flatnonzero((self.labels == true) & (self.predicted == answer))
        order = np.argsort(-self.confidence[idx], kind="stable")
        return idx[order]


def top_two(out: Array) -> tuple[Array, Array]:
    """Each row's two largest outputs of ``out`` (n, k): answers (n, 2) int64 and their activations
    (n, 2) float32, the largest first."""
    out = np.asarray(out)
    # the two largest of ten, without sorting all ten: argpartition, then order the pair
    top = np.argpartition(-out, 1, axis=1)[:, :2].astype(np.int64)
    vals = np.take_along_axis(out, top, axis=1).astype(np.float32)
    swap = vals[:, 1] > vals[:, 0]
    top[swap] = top[swap][:, ::-1]
    vals[swap] = vals[swap][:, ::-1]
    return top, vals


def evaluate(net: Network, x: Array, y: Array, chunk: int = CHUNK) -> Evaluation:
    """Run ``x`` (n, 784) through ``net`` in chunks; keep each example's top two answers.

    ``y`` (n,) holds the true digits. Raises ``ValueError`` for mismatched lengths.
    """
    x = np.asarray(x)
    labels = np.asarray(y).astype(np.int64).reshape(-1)
    if len(x) != len(labels):
        raise ValueError(f"{len(x)} images but {len(labels)} labels")
    n_out = net.layer_sizes[-1]
    if n_out < 2:
        raise ValueError(f"a network with {n_out} output cannot have a second answer")
    answers = np.zeros((len(x), 2), dtype=np.int64)
    activations = np.zeros((len(x), 2), dtype=np.float32)
    for i in range(0, len(x), chunk):
        top, vals = top_two(net.predict_proba(x[i : i + chunk]))
        answers[i : i + len(top)] = top
        activations[i : i + len(top)] = vals
    return Evaluation(labels=labels, answers=answers, activations=activations)


@dataclass(frozen=True)
class NeuronTopImages:
    """The examples that excite one neuron most, most excited first."""

    layer: int  # indexes net.weights: 0 is the first hidden layer
    neuron: int
    indices: Array  # (k,) rows of the set
    activations: Array  # (k,) the neuron's activation for each of them


def neuron_top_images(net: Network, x: Array, layer: int, neuron: int, k: int = 16,
                      chunk: int = CHUNK) -> NeuronTopImages:
    """The ``k`` rows of ``x`` with the largest activation of neuron ``neuron`` of layer ``layer``.

    ``layer`` indexes ``net.weights`` (0: the first hidden layer; the last: the outputs). Ties keep
    the set's order. Raises ``ValueError`` for a layer or neuron the network does not have.
    """
    n_layers = len(net.weights)
    if not 0 <= layer < n_layers:
        raise ValueError(f"layer must be in 0..{n_layers - 1}, got {layer}")
    if not 0 <= neuron < net.layer_sizes[layer + 1]:
        raise ValueError(f"layer {layer} has {net.layer_sizes[layer + 1]} neurons, got neuron {neuron}")
    x = np.asarray(x)
    last = n_layers - 1
    values = np.empty(len(x), dtype=np.float32)
    for i in range(0, len(x), chunk):
        a = net.inputs(x[i : i + chunk])  # (m, 784): as the network reads them (deskewed, if it deskews)
        for l in range(layer):  # the layers before the neuron's, whole
            z = a @ net.weights[l].T
            z += net.biases[l]
            a = net.activation.f(z)  # (m, n_l)
        w, b = net.weights[layer], net.biases[layer]
        if layer == last:  # softmax needs every output's z
            z = a @ w.T
            z += b
            column = net.cost_fn.output(z)[:, neuron]
        else:  # one neuron's z: (m, n_{l-1}) @ (n_{l-1},)
            column = net.activation.f(a @ w[neuron] + b[neuron])
        values[i : i + len(column)] = column
    k = min(k, len(x))
    order = np.argsort(-values, kind="stable")[:k]
    return NeuronTopImages(layer=layer, neuron=neuron, indices=order, activations=values[order])


def format_per_digit(accuracy: Array) -> str:
    """Per-digit accuracy as one line of text: "0 99.6 · 1 99.7 · ... (%)"; a dash for a digit not seen."""
    parts = [f"{d} {'-' if np.isnan(a) else f'{a * 100:.1f}'}" for d, a in enumerate(np.asarray(accuracy, dtype=float))]
    return " \u00b7 ".join(parts) + " (%)"
