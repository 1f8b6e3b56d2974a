"""What a learner needs to read a plot: the value under the pointer, an export, a y range that follows.

``PlotTools`` serves one pyqtgraph plot view: a readout in its corner with the samples seen and the
value under the pointer (in the plot's units: a log axis is read back as 10^y), and a right-click
menu that saves the plot as a PNG image and the curves it draws as CSV (one row per point:
curve, samples seen, value). ``recent_top`` is the top of a cost axis that follows the recent
cost instead of the first steps' high one. Left out: crosshair lines, clipboard copies.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

RECENT_POINTS = 400  # the cost axis follows the last this many points of the step curve


def recent_top(costs: np.ndarray, smooth: np.ndarray, n: int = RECENT_POINTS) -> float:
    """The top a cost axis needs for the recent cost: the 98th percentile of the last ``n`` batch
    costs or the moving average's recent high, whichever is larger (0 when there are none)."""
    raw, avg = costs[-n:], smooth[-n:]
    raw, avg = raw[np.isfinite(raw)], avg[np.isfinite(avg)]
    top = max(float(np.percentile(raw, 98)) if len(raw) else 0.0, float(avg.max()) if len(avg) else 0.0)
    return top


def recent_log_range(costs: np.ndarray, n: int = RECENT_POINTS, margin: float = 0.0) -> tuple[float, float] | None:
    """Whole decades (log10) around the 2nd-98th percentile of the last ``n`` positive costs,
    widened by ``margin`` decades on each side first."""
    raw = costs[-n:]
    raw = raw[np.isfinite(raw) & (raw > 0)]
    if not len(raw):
        return None
    lo, hi = np.log10(np.percentile(raw, [2, 98]))
    lo, hi = lo - margin, hi + margin
    return float(math.floor(lo)), float(max(math.ceil(hi), math.floor(lo) + 1))


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}"


class PlotTools(QObject):
    """The hover readout and the export menu of one plot view."""

    def __init__(self, view: pg.PlotWidget, plot: pg.PlotItem, legend: pg.LegendItem, title: str,
                 unit: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view, self.plot, self.legend, self.title, self.unit = view, plot, legend, title, unit
        self.readout = QLabel(view, objectName=f"{view.objectName()}Readout")
        self.readout.setStyleSheet("color: #333; background: rgba(255,255,255,200); padding: 0 3px;")
        self.readout.hide()
        self.menu: QMenu | None = None
        view.scene().sigMouseMoved.connect(self._on_move)
        view.scene().sigMouseClicked.connect(self._on_click)
        self.dialog: Callable[[str, str, str], str] = self._ask_path  # tests replace it

    # ------------------------------------------------------------------ hover
    def value_at(self, scene_pos: QPointF) -> tuple[float, float] | None:
        """(samples seen, value) under a scene position, or None outside the plot's area."""
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        y = p.y()
        if self.plot.getAxis("left").logMode:
            y = 10.0 ** y
        return p.x(), y

    @Slot(object)
    def _on_move(self, scene_pos: QPointF) -> None:
        value = self.value_at(scene_pos)
        if value is None:
            self.readout.hide()
            return
        x, y = value
        self.readout.setText(f"{_number(max(x, 0))} samples: {_number(y)}{self.unit}")
        self.readout.adjustSize()
        self.readout.move(self.view.width() - self.readout.width() - 10, 22)
        self.readout.show()

    # ------------------------------------------------------------------ export
    def curves(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Each curve the plot draws (name, x, y), y in the plot's units (log axes read back)."""
        log = self.plot.getAxis("left").logMode
        out = []
        for sample, label in self.legend.items:
            item = sample.item
            x, y = item.getData() if hasattr(item, "getData") else (None, None)
            if x is None or not len(x) or not item.isVisible():
                continue
            y = np.power(10.0, y) if log else np.asarray(y)
            out.append((label.text, np.asarray(x), y))
        return out

    def export_csv(self, path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["curve", "samples_seen", self.title.lower()])
            for name, xs, ys in self.curves():
                w.writerows((name, f"{x:.0f}", f"{y:.6g}") for x, y in zip(xs, ys))

    def export_png(self, path: str | Path) -> bool:
        return self.view.grab().save(str(path), "PNG")

    @Slot(object)
    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.RightButton:
            return
        self.menu = QMenu(self.view)
        self.menu.addAction("Save the plot as an image (PNG)...", lambda: self._save("png"))
        self.menu.addAction("Save its data (CSV)...", lambda: self._save("csv"))
        self.menu.popup(event.screenPos().toPoint())

    def _save(self, kind: str) -> None:
        path = self.dialog(f"Save {self.title.lower()}", f"{self.title.lower().replace(' ', '_')}.{kind}",
                           "PNG image (*.png)" if kind == "png" else "CSV table (*.csv)")
        if path:
            self.export_png(path) if kind == "png" else self.export_csv(path)

    def _ask_path(self, caption: str, name: str, filter_: str) -> str:
        return QFileDialog.getSaveFileName(self.view, caption, name, filter_)[0]
