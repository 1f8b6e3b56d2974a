"""The numbers each stage of the step-through shows: one table per digit, one per layer, a summary.

For each of the five stages of ``model.backprop_trace.STAGES`` a function fills the two tables from
a ``Trace`` (every cell keeps the exact number, see ``gui.number_tables``) and returns the sentence
that sums them up. Which stage is shown, and what the network view draws, is the walker's business
(``gui.step_through``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from PySide6.QtWidgets import QTableWidget

from digitlab.gui.network_view.view import SIDE
from digitlab.gui.step_through.number_tables import fill_table, table_item
from digitlab.model.backprop_trace import Trace
from digitlab.model.network import Network


def show_stage_numbers(name: str, t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    """Fill ``digits`` and ``layers`` with stage ``name``'s numbers; return its summary sentence.

    ``network`` is the one ``t`` was traced on: the cost stage names its cost."""
    return _NUMBERS[name](t, network, digits, layers)


def layer_names(t: Trace, order: Iterable[int] | None = None) -> list[str]:
    """The weight layers' names ("layer 1", ..., "output"), in ``order`` (default: first to last)."""
    n = len(t.zs)
    return ["output" if l == n - 1 else f"layer {l + 1}" for l in (order or range(n))]


def _forward(t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    columns = [str(d) for d in range(len(t.output))]
    fill_table(digits, columns, [("z (output)", list(t.zs[-1])), ("a (output)", list(t.output))])
    rows = []
    for l, name in enumerate(layer_names(t)):
        a = t.activations[l + 1]
        j = int(a.argmax())
        rows.append((name, [len(a), table_item(f"{j}"), a[j], float(a.mean())]))
    fill_table(layers, ["neurons", "most active", "its a", "mean a"], rows)
    return (f"The network answers {t.prediction} (a = {t.output[t.prediction]:.4g}); "
            f"the label is {t.label}.")


def _cost(t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    columns = [str(d) for d in range(len(t.output))]
    fill_table(digits, columns, [("output a", list(t.output)), ("target y", list(t.target)),
                                 ("nudge y − a", list(t.nudges))])
    fill_table(layers, ["value"], [("cost C", [t.cost])])
    kind = network.cost_name
    formula = "½ Σ (a − y)²" if kind == "quadratic" else "−log a_label"
    return f"Cost C = {formula} = {t.cost:.6g}. The nudges are the arrows on the outputs."


def _backward(t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    columns = [str(d) for d in range(len(t.output))]
    fill_table(digits, columns, [("δ output (BP1)", list(t.deltas[-1]))])
    rows = []
    n = len(t.deltas)
    for l in t.backward_order:
        d = t.deltas[l]
        j = int(np.abs(d).argmax())
        eq = "BP1" if l == n - 1 else "BP2"
        sp = float(t.sigma_primes[l].mean()) if l < n - 1 else table_item("—")
        rows.append((f"{layer_names(t, [l])[0]} ({eq})", [float(np.linalg.norm(d)), table_item(f"{j}"), float(d[j]), sp]))
    fill_table(layers, ["‖δ‖", "largest |δ| at", "its δ", "mean σ′(z)"], rows)
    return "From the output back to the first layer: each row is computed from the one above it."


def _gradient(t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    columns = [str(d) for d in range(len(t.output))]
    fill_table(digits, columns, [("∂C/∂b output = δ (BP3)", list(t.nabla_b[-1]))])
    rows = []
    for l, name in enumerate(layer_names(t)):
        g = t.nabla_w[l]
        j, k = np.unravel_index(int(np.abs(g).argmax()), g.shape)
        src = f"pixel ({k // SIDE},{k % SIDE})" if l == 0 else f"neuron {k}"
        rows.append((name, [float(np.linalg.norm(g)), float(np.linalg.norm(t.nabla_b[l])),
                            table_item(f"{j} ← {src}"), float(g[j, k])]))
    fill_table(layers, ["‖∂C/∂w‖", "‖∂C/∂b‖", "largest ∂C/∂w at", "its value"], rows)
    return ("∂C/∂w = a_in · δ_out (BP4), ∂C/∂b = δ (BP3). The view shows −η × these, "
            "the largest highlighted.")


def _update(t: Trace, network: Network, digits: QTableWidget, layers: QTableWidget) -> str:
    columns = [str(d) for d in range(len(t.output))]
    fill_table(digits, columns, [("a before", list(t.output)), ("a after", list(t.output_after))])
    rows = []
    for l, name in enumerate(layer_names(t)):
        dw = t.weight_changes[l]
        rows.append((name, [float(np.linalg.norm(dw)), float(np.abs(dw).max()),
                            float(np.linalg.norm(t.bias_changes[l]))]))
    fill_table(layers, ["‖Δw‖ = η‖∂C/∂w‖", "largest |Δw|", "‖Δb‖"], rows)
    verdict = "lower" if t.cost_after < t.cost else "higher (η is too large for this example)"
    return (f"η = {t.learning_rate:g}: cost {t.cost:.6g} before, {t.cost_after:.6g} after "
            f"the step ({verdict}); answer {t.prediction} → {t.prediction_after}. "
            "Applied to a copy: the network itself is unchanged.")


# the stages by name, as in model.backprop_trace.STAGES
_NUMBERS: dict[str, Callable[[Trace, Network, QTableWidget, QTableWidget], str]] = {
    "forward": _forward, "cost": _cost, "backward": _backward, "gradient": _gradient, "update": _update,
}
