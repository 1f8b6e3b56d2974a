"""Learning curves: cost, accuracy and per-layer gradient norms against samples seen.

Three pyqtgraph plots sharing one x axis (samples seen, linked):

- cost: every step's batch cost as a faint line, its exponential moving average over it, and the
  train and test cost of each epoch as markers joined by lines;
- accuracy: train and test accuracy of each epoch, in percent;
- gradient norm per layer, ||dC/dw^l||, on a log axis, one line per weight layer ("layer 1" is the
  first weight matrix, input side). With sigmoid neurons the input-side layers' gradients are
  orders of magnitude smaller: the vanishing-gradient problem (Nielsen, chapter 5), visible here.
  The lines are moving averages of log10 of the norms (geometric means), so layers stay legible
  where their noise bands would overlap.

The caller feeds whole arrays at display rate (``add_steps``/``add_epochs`` from ~30 frames a second,
never once per step). Cost of a frame stays flat however long the run, per GUIDE.md's measurements:

- the step data are held in bounded buffers and decimated to the view's width, a few thousand
  points whatever the run's length, by ``gui.step_series`` (``StepSeries``, ``Decimator``; its
  docstring has the halving, the block cache and their measurements); the curves get them through
  ``setData`` on items built once;
- axis ranges are fixed and grown in steps (x doubled when the data pass its end, y widened to
  nice values), never auto-ranged; pens are 1 px, opaque and not antialiased, the grid included
  (pyqtgraph's semi-transparent grid alone cost ~20 ms a paint here); the view repaints whole
  (``FullViewportUpdate``), which keeps Qt's raster engine on its fast line path; epoch markers
  are drawn while there are at most ``MAX_MARKERS`` epochs, lines only beyond.

Panning or zooming a plot (mouse drag, wheel) stops that axis from following the data;
double-click restores the automatic view. The cost axis follows the *recent* cost (the 98th
percentile of the last few hundred points, ``plot_tools.recent_top``), so the cost being watched
is not squashed under the first steps' high one, or is on a log scale (the "log cost" box). No
axis has a scale factor ("x0.001"): the ticks say the numbers. Hovering shows the value under the
pointer; right-click saves a plot as PNG or its curves as CSV (``plot_tools.PlotTools``).

Runs: each run starts on clean axes (``start_run``); the run before is kept in ``runs`` (its
moving-average cost and epochs) and its cost drawn dimmed behind the new one, as TensorFlow
Playground does; "compare with" picks another run, or none.

Left out: where the numbers come from (the training session's frames) and any smoothing choice
beyond a fixed span (``SMOOTH_SPAN`` steps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.training.plot_tools import PlotTools, recent_log_range, recent_top
from digitlab.gui.training.step_series import DEFAULT_MAX_POINTS, SMOOTH_SPAN, Decimator, StepSeries, visible_thinned
from digitlab.model.train import EpochRecord

MAX_MARKERS = 60  # epochs drawn with markers; beyond, lines only
COST_AXIS_MARGIN = 1.3  # the cost axis narrows only when the recent cost is this many times below what it holds
INITIAL_X = 1_000  # samples seen: the x axis starts at [0, INITIAL_X] and doubles as needed

# light theme, colour-blind-safe hues (Okabe-Ito), all opaque: semi-transparent lines are slow
BACKGROUND = QColor(255, 255, 255)
FOREGROUND = QColor(60, 60, 60)
TEXT = QColor(40, 40, 40)
GRID = QColor(232, 232, 232)
RAW_COST = QColor(196, 214, 234)  # the faint per-step line
SMOOTH_COST = QColor(0, 114, 178)
TRAIN = QColor(230, 159, 0)
TEST = QColor(0, 158, 115)
EARLIER = QColor(150, 150, 150)  # an earlier run's cost, drawn dimmed behind the current one
MAX_RUNS = 10  # earlier runs kept for comparison


@dataclass(frozen=True, eq=False)  # compared by identity: its arrays have no one truth value
class Run:
    """A finished (or replaced) run's curves, kept for comparison."""

    label: str
    x: np.ndarray  # samples seen
    cost: np.ndarray  # the moving average of the batch cost at x
    epochs: np.ndarray  # (epochs, 5): samples seen, train/test cost, train/test accuracy %


def _labelled(lo: float, hi: float, pad: float, major: float) -> int:
    """How many multiples of ``major`` lie in [lo + pad, hi - pad]: the ticks that get a label."""
    return math.floor((hi - pad) / major) - math.ceil((lo + pad) / major) + 1


class _CountAxis(pg.AxisItem):
    """Samples seen as 0, 500, 20k, 1.5M, a label at most every ~64 px, two or more where they fit.

    pyqtgraph hides a label that would stick out past either end of the axis, and the view's x
    range runs exactly from 0 to a doubling end (256k, 512k, ...): with the plainest spacing the
    ticks fall on those ends or so near them that, on a narrow plot, no label was left (0 to 512k
    at 136 px drew none). So the interval shrinks, one nice step at a time, until two ticks lie
    clear of both ends, as long as their labels stay apart in the tick font; where two cannot (a
    narrow plot in presentation mode), one label is shown rather than several run together.
    """

    LABEL_PX = 64  # the spacing aimed at
    EDGE_PX = 18  # a tick nearer an end than this has its label hidden

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.linked: list[_CountAxis] = [self]  # axes over the same x range: all take the narrowest's ticks

    def _label_px(self, lo: float, hi: float, major: float) -> float:
        """Px the labels of ticks ``major`` apart in [lo, hi] need, a small gap included, in the tick
        font (presentation mode enlarges it)."""
        metrics = QFontMetricsF(self.style["tickFont"] or self.font())
        values = [k * major for k in range(math.ceil(lo / major), math.floor(hi / major) + 1)] or [hi]
        return max(metrics.horizontalAdvance(t) for t in self.tickStrings(values, 1, major)) + 0.2 * metrics.height()

    def tickSpacing(self, minVal, maxVal, size):
        # the same labels under each of the linked plots, whose widths differ by a few px
        size = min([size, *(a.width() for a in self.linked if a is not self and a.isVisible() and a.width() > 0)])
        dif = abs(maxVal - minVal)
        if dif == 0 or size <= 0:
            return []
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        target = dif / max(1.0, size / self.LABEL_PX)  # the smallest major interval that leaves ~64 px a label
        e = 10.0 ** math.floor(math.log10(target))
        nice = [m * e * f for f in (0.1, 1) for m in (1, 2, 2.5, 5)] + [10 * e]
        candidates = [major for major in nice if major >= target * (1 - 1e-9)] or [nice[-1]]
        pad = dif * self.EDGE_PX / size
        major = None
        for trial in [*candidates[:1], *reversed([m for m in nice if m < candidates[0]])]:
            if _labelled(lo, hi, pad, trial) >= 2 and trial / dif * size >= self._label_px(lo, hi, trial):
                major = trial  # two or more labels, apart
                break
            if trial * 4 < target:  # as tight as sensible
                break
        if major is None:
            # a narrow plot or a big font (presentation mode): one label rather than several run
            # together, clear of the ends by half a label, so that no neighbour's label shows
            edge = dif * max(self.EDGE_PX, self._label_px(lo, hi, candidates[0]) / 2) / size
            single = [m for m in [*nice, 20 * e, 25 * e, 50 * e] if _labelled(lo, hi, edge, m) == 1]
            major = max(single) if single else candidates[0]
        mantissa = major / 10.0 ** math.floor(math.log10(major) + 1e-9)  # 1, 2, 2.5 or 5
        return [(major, 0), (major / (4 if math.isclose(mantissa, 2) else 5), 0)]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            v = v * scale
            if abs(v) >= 1e6:
                out.append(f"{v / 1e6:g}M")
            elif abs(v) >= 1e3:
                out.append(f"{v / 1e3:g}k")
            else:
                out.append(f"{v:g}")
        return out


class _DecadeAxis(pg.AxisItem):
    """A log axis labelled at powers of ten only (labels at 2x..9x crowd into each other), and at 2x
    and 5x as well when fewer than two decades lie clear of the ends (pyqtgraph hides a label that
    sticks out past an end: a range from 0.01 to 1 showed only "0.1")."""

    def logTickStrings(self, values, scale, spacing):
        labels = super().logTickStrings(values, scale, spacing)
        decades = [math.isclose(v, round(v), abs_tol=1e-6) for v in values]
        lo, hi = sorted(self.range)
        margin = 0.06 * (hi - lo)
        few = sum(d and lo + margin < v < hi - margin for v, d in zip(values, decades)) < 2
        keep = [d or (few and any(math.isclose(v - math.floor(v), math.log10(m), abs_tol=1e-3) for m in (2, 5)))
                for v, d in zip(values, decades)]
        return [text if k else "" for k, text in zip(keep, labels)]


class _StepCurve(pg.PlotCurveItem):
    """A curve over samples seen, whose data bounds take two reads instead of NaN-aware passes.

    Qt asks every changed item for its bounding rectangle after each frame's ``setData``, and
    pyqtgraph's bounds (``nanmin``/``nanmax`` under a warnings filter) were ~5% of the window's
    time while ``accurate`` trains. Here x ascends (samples seen) and y is finite but for the log
    of a zero gradient, for which pyqtgraph's own path is taken; the pens are cosmetic and nothing
    is filled, so the bounds are the data's own.
    """

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # pyqtgraph names it
        cache = self._boundsCache[ax]
        if frac < 1.0 or orthoRange is not None or (cache is not None and cache[0] == (frac, orthoRange)):
            return super().dataBounds(ax, frac, orthoRange)
        x, y = self.getData()
        if x is None or len(x) == 0:
            return (None, None)
        bounds = (float(x[0]), float(x[-1])) if ax == 0 else (float(y.min()), float(y.max()))
        if not (math.isfinite(bounds[0]) and math.isfinite(bounds[1])) or bounds[0] > bounds[1]:
            return super().dataBounds(ax, frac, orthoRange)
        self._boundsCache[ax] = [(frac, orthoRange), bounds]
        return bounds


def _pen(colour: QColor, width: float = 1) -> pg.QtGui.QPen:
    pen = pg.mkPen(colour, width=width)
    pen.setCosmetic(True)
    return pen


def _nice_ceil(v: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= v."""
    if not v > 0 or not math.isfinite(v):
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v * (1 - 1e-9):
            return m * e
    return 10 * e


class TrainingPlots(QWidget):
    """Cost, accuracy and per-layer gradient norms against samples seen (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None, *, max_points: int = DEFAULT_MAX_POINTS) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPlots")
        self.series = StepSeries(max_points)
        self._decimator = Decimator(self.series)
        self._updating = False  # True while we set ranges ourselves
        self._follow_x = True
        self._follow_y: dict[pg.ViewBox, bool] = {}
        self._x_max = float(INITIAL_X)
        self._horizontal: bool | None = None
        # one view per plot: a view repaints whole (FullViewportUpdate), so the accuracy plot,
        # which changes once an epoch, is not repainted with the step curves every frame
        self.views: list[pg.PlotWidget] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 2)
        self.compare_box = QComboBox(objectName="compareRun")
        self.compare_box.setToolTip("An earlier run's cost, drawn in grey behind this run's, to compare")
        # a run's label can be long: a box sized to it would widen the dock, and the window with it
        self.compare_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.compare_box.setMinimumContentsLength(28)
        self.log_cost = QCheckBox("log cost axis", objectName="logCost")
        self.log_cost.setToolTip("Cost on a log scale: late, small improvements become visible")
        controls.addWidget(QLabel("Compare with"))
        controls.addWidget(self.compare_box)
        controls.addStretch(1)
        controls.addWidget(self.log_cost)
        outer.addLayout(controls)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._layout.setSpacing(0)
        outer.addLayout(self._layout, 1)
        self.runs: list[Run] = []
        self.run_label = ""
        self._compare: Run | None = None
        self._compare_view: tuple | None = None  # (run, view range, width, log) the compare curve was thinned for
        # the window hands the gradient plot its new steps in an event-loop pass after the cost
        # plot's: each plot's scene then works through its changed items in a batch of its own
        self.separate_passes = False
        self._grad_arrays: tuple[np.ndarray, np.ndarray] | None = None
        self._grad_timer = QTimer(self, singleShot=True, interval=0)
        self._grad_timer.timeout.connect(self._refresh_grad_curves)

        self.cost_plot = self._make_plot("Cost", "cost", "costPlot", left=_DecadeAxis("left"))
        self.accuracy_plot = self._make_plot("Accuracy", "accuracy %", "accuracyPlot")
        self.grad_plot = self._make_plot("Gradient norms", "‖∂C/∂w‖", "gradientPlot", left=_DecadeAxis("left"))
        self.grad_plot.getAxis("left").setLogMode(True)  # we plot log10 values; the axis labels 10^k
        for p in (self.accuracy_plot, self.grad_plot):
            p.setXLink(self.cost_plot)
        bottoms = [p.getAxis("bottom") for p in (self.cost_plot, self.accuracy_plot, self.grad_plot)]
        for axis in bottoms:
            axis.linked = bottoms

        cost_legend = self._legend(self.cost_plot, (-8, 6))
        self.compare_curve = self._curve(self.cost_plot, cost_legend, EARLIER, "earlier run")
        self.compare_curve.setZValue(1)  # over this run's faint batch costs, under its moving average and epochs
        self.cost_curve = self._curve(self.cost_plot, cost_legend, RAW_COST, "batch cost")
        self.smooth_curve = self._curve(self.cost_plot, cost_legend, SMOOTH_COST, f"moving average ({SMOOTH_SPAN} steps)")
        self.smooth_curve.setZValue(2)
        self.train_cost_curve = self._epoch_curve(self.cost_plot, cost_legend, TRAIN, "o", "train, per epoch")
        self.test_cost_curve = self._epoch_curve(self.cost_plot, cost_legend, TEST, "s", "test, per epoch")
        acc_legend = self._legend(self.accuracy_plot, (-8, -8))
        self.train_accuracy_curve = self._epoch_curve(self.accuracy_plot, acc_legend, TRAIN, "o", "train")
        self.test_accuracy_curve = self._epoch_curve(self.accuracy_plot, acc_legend, TEST, "s", "test")
        self._grad_legend = self._legend(self.grad_plot, (-8, 6))
        self.grad_curves: list[pg.PlotCurveItem] = []  # one per layer, made when the layer count is known

        self._legends = {self.cost_plot.vb: cost_legend, self.accuracy_plot.vb: acc_legend,
                         self.grad_plot.vb: self._grad_legend}
        for vb in self._legends:
            vb.sigResized.connect(self._fit_legend)
        self.cost_plot.vb.sigXRangeChanged.connect(self._on_view_changed)
        self.cost_plot.vb.sigResized.connect(self._on_view_changed)
        for view in self.views:
            view.scene().sigMouseClicked.connect(self._on_click)
            self._layout.addWidget(view, 1)
        self.tools = [PlotTools(view, plot, self._legends[plot.vb], title, unit, parent=self)
                      for view, plot, title, unit in zip(self.views, (self.cost_plot, self.accuracy_plot, self.grad_plot),
                                                         ("Cost", "Accuracy", "Gradient norm"), ("", "%", ""))]
        self.compare_box.activated.connect(self._on_compare_chosen)
        self.log_cost.toggled.connect(self.set_log_cost)
        self._arrange(horizontal=False)
        self.clear()

    # ------------------------------------------------------------------ construction
    def _make_plot(self, title: str, y_label: str, name: str, left: pg.AxisItem | None = None) -> pg.PlotItem:
        axes = {"bottom": _CountAxis("bottom")} | ({"left": left} if left is not None else {})
        plot = pg.PlotItem(axisItems=axes)
        view = pg.PlotWidget(background=BACKGROUND, plotItem=plot)
        view.setObjectName(name)
        view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        view.setToolTip("Drag to pan, wheel to zoom (on an axis: that axis only); double-click to follow the data again")
        view.setMinimumSize(120, 90)
        plot.setContentsMargins(2, 2, 8, 2)
        self.views.append(view)
        plot.setTitle(title, color=TEXT, size="10pt", bold=True)
        plot.layout.setRowFixedHeight(0, 20)
        plot.layout.removeItem(plot.titleLabel)  # the title centred over the whole plot, axis included:
        plot.layout.addItem(plot.titleLabel, 0, 0, 1, 3)  # over the view box alone it is cut in a narrow dock
        plot.setLabel("left", y_label, color=TEXT.name())
        plot.setLabel("bottom", "samples seen", color=TEXT.name())
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.enableAutoSIPrefix(False)  # plain numbers on the ticks, never "(x0.001)"
            axis.setPen(_pen(FOREGROUND))
            axis.setTextPen(_pen(TEXT))
            # an opaque light grid: pyqtgraph's default (the tick pen made semi-transparent) costs
            # ~7 ms a plot per paint here, opaque lines ~0.4 ms
            axis.setTickPen(_pen(GRID))
            axis.setStyle(tickAlpha=255, maxTickLevel=1)
            axis.setZValue(-1000)  # below the view box, so the grid lies under the curves and legend
            # ticks, labels and grid kept as a pixmap between their changes (each calls update(), which
            # drops it): a frame's new steps repaint the plot without laying out its texts again,
            # ~18% of the curves' time per frame
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.getAxis("left").setWidth(52)  # the same for all three, so linked x axes line up
        plot.showGrid(x=True, y=True, alpha=1.0)
        plot.disableAutoRange()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setDownsampling(auto=True, mode="peak")  # for the few-point epoch items; step curves come decimated
        plot.setClipToView(True)
        # a bound method, not a lambda: a lambda holding self here crashes the interpreter at exit
        plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self._follow_y[plot.vb] = True
        return plot

    def restyle(self, dark: bool, scale: float = 1.0) -> None:
        """Colours for a light or dark window, and every text ``scale`` times its size (presentation mode)."""
        background, foreground, text, grid = (
            (QColor(30, 30, 30), QColor(190, 190, 190), QColor(225, 225, 225), QColor(62, 62, 62)) if dark
            else (BACKGROUND, FOREGROUND, TEXT, GRID))
        tick_font = QFont(self.font())
        tick_font.setPointSizeF(max(6.0, 8.5 * scale))
        for view, plot in zip(self.views, (self.cost_plot, self.accuracy_plot, self.grad_plot)):
            view.setBackground(background)
            plot.setTitle(plot.titleLabel.text, color=text, size=f"{10 * scale:.1f}pt", bold=True)
            plot.layout.setRowFixedHeight(0, round(20 * scale))
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(_pen(foreground))
                axis.setTextPen(_pen(text))
                axis.setTickPen(_pen(grid))
                axis.setStyle(tickFont=tick_font)
                axis.setLabel(axis.labelText, color=text.name(), **{"font-size": f"{9 * scale:.1f}pt"})
            plot.getAxis("left").setWidth(round(52 * scale))
        for legend in self._legends.values():
            legend.setLabelTextColor(text)
            legend.setLabelTextSize(f"{8 * scale:.1f}pt")
            legend.setBrush(pg.mkBrush(background.red(), background.green(), background.blue(), 220))
            for _sample, label in legend.items:  # the labels made before: setLabelTextColor is for new ones
                label.setText(label.text, color=text, size=f"{8 * scale:.1f}pt")

    def _legend(self, plot: pg.PlotItem, offset: tuple[int, int]) -> pg.LegendItem:
        return plot.addLegend(offset=offset, labelTextColor=TEXT, labelTextSize="8pt",
                              brush=pg.mkBrush(255, 255, 255, 220), pen=_pen(QColor(200, 200, 200)),
                              verSpacing=-4)

    def _curve(self, plot: pg.PlotItem, legend: pg.LegendItem, colour: QColor, name: str) -> pg.PlotCurveItem:
        curve = _StepCurve(pen=_pen(colour), antialias=False, connect="all", skipFiniteCheck=True)
        plot.addItem(curve)
        legend.addItem(curve, name)
        return curve

    def _epoch_curve(self, plot, legend, colour: QColor, symbol: str, name: str) -> pg.PlotDataItem:
        item = pg.PlotDataItem(pen=_pen(colour), symbol=symbol, symbolSize=6, symbolPen=_pen(colour),
                               symbolBrush=pg.mkBrush(colour), antialias=False, connect="finite")
        item.marker = symbol  # shown while there are few epochs
        item.setZValue(3)  # over the step curves and an earlier run's
        # the legend draws its sample from the scatter's own style, set here before any data arrive
        item.scatter.setSymbol(symbol)
        item.scatter.setSize(6)
        item.scatter.setPen(_pen(colour))
        item.scatter.setBrush(pg.mkBrush(colour))
        # the few epoch markers change once an epoch, the curves under them every frame: kept as a
        # pixmap (redrawn when the data or the view's scale changes), not drawn anew in each repaint
        item.scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(item)
        legend.addItem(item, name)
        return item

    def _make_grad_curves(self, n_layers: int) -> None:
        for curve in self.grad_curves:
            self.grad_plot.removeItem(curve)
            self._grad_legend.removeItem(curve)
        cmap = pg.colormap.get("viridis")
        self.grad_curves = []
        for l in range(n_layers):
            colour = cmap.map(0.85 * l / max(1, n_layers - 1), mode="qcolor")
            self.grad_curves.append(self._curve(self.grad_plot, self._grad_legend, colour, f"layer {l + 1}"))
        self._fit_legend(self.grad_plot.vb)

    def _arrange(self, horizontal: bool) -> None:
        """Three plots side by side (a wide dock) or stacked (a tall one), in equal shares."""
        if horizontal == self._horizontal:
            return
        self._horizontal = horizontal
        self._layout.setDirection(QBoxLayout.Direction.LeftToRight if horizontal else QBoxLayout.Direction.TopToBottom)
        plots = (self.cost_plot, self.accuracy_plot, self.grad_plot)
        for i, p in enumerate(plots):
            # stacked, the shared x axis is named once, at the bottom
            p.getAxis("bottom").showLabel(horizontal or i == len(plots) - 1)

    # ------------------------------------------------------------------ public
    def add_steps(self, samples: np.ndarray, costs: np.ndarray, grad_norms: np.ndarray) -> None:
        """Steps since the last call: samples seen (k,), batch costs (k,), gradient norms (k, n_layers)."""
        if len(costs) == 0:
            return
        n_layers = np.asarray(grad_norms).reshape(len(costs), -1).shape[1]
        new_run = n_layers != self.series.n_layers or float(samples[0]) < self._last_sample
        if self.series.n_layers is not None and new_run:
            # another network, or samples seen starting over: a new run, whoever forgot start_run()
            self.start_run()
        self._last_sample = float(samples[-1])
        fresh = self.series.n_layers is None
        self.series.append(samples, costs, grad_norms)
        if fresh and self.series.n_layers is not None:
            self._make_grad_curves(self.series.n_layers)
        self._update_ranges()
        self._refresh_steps()

    def add_epochs(self, records: Sequence[EpochRecord]) -> None:
        """Epochs completed since the last call (their train and test cost and accuracy)."""
        if not records:
            return

        def number(v: float | None, scale: float = 1.0) -> float:
            return math.nan if v is None else scale * v

        self._last_epoch = records[-1]
        rows = np.array([(r.samples_seen, number(r.train_cost), number(r.test_cost),
                          number(r.train_accuracy, 100), number(r.test_accuracy, 100)) for r in records])
        self._epoch_data = np.concatenate([self._epoch_data, rows])  # (epochs, 5)
        with np.errstate(invalid="ignore"):
            self._epoch_cost_max = float(np.nanmax([self._epoch_cost_max, *rows[:, 1:3].ravel()]))
            self._epoch_accuracy_min = float(np.nanmin([self._epoch_accuracy_min, *rows[:, 3:5].ravel()]))
        d = self._epoch_data
        markers = len(d) <= MAX_MARKERS  # hundreds of markers are clutter, and ~4 ms of every paint
        for item, col in self._epoch_items():
            y = self._cost_y(d[:, col]) if col in (1, 2) else d[:, col]
            item.setData(d[:, 0], y, symbol=item.marker if markers else None)
        self._update_ranges()

    def _epoch_items(self):
        return ((self.train_cost_curve, 1), (self.test_cost_curve, 2),
                (self.train_accuracy_curve, 3), (self.test_accuracy_curve, 4))

    # ------------------------------------------------------------------ runs
    def start_run(self, label: str | None = None) -> None:
        """Clean axes for a new run (or a new network: ``label`` None); the run shown so far is kept
        in ``runs`` and becomes the one compared with."""
        if self.series.n or len(self._epoch_data):
            run = Run(self.run_label or f"run {len(self.runs) + 1}", self.series.x.copy(),
                      self.series.y[:, 1].copy(), self._epoch_data.copy())
            self.runs = [*self.runs, run][-MAX_RUNS:]
            self._compare = run
        self.run_label = label or ""
        self.clear()
        self._show_compare()

    def compare_with(self, run: Run | None) -> None:
        """Draw ``run``'s cost dimmed behind the current one (None: no comparison)."""
        self._compare = run
        self._show_compare()

    @property
    def compared(self) -> Run | None:
        return self._compare

    @property
    def last_epoch(self) -> EpochRecord | None:
        """The current run's last epoch record (None before its first)."""
        return self._last_epoch

    @Slot(bool)
    def set_log_cost(self, on: bool) -> None:
        """The cost plot on a log scale (decades) or a linear one; the curves follow."""
        if self.log_cost.isChecked() != on:
            self.log_cost.setChecked(on)  # toggles back into here
            return
        self.cost_plot.getAxis("left").setLogMode(on)
        if len(self._epoch_data):
            self._epoch_data, data = np.empty((0, 5)), self._epoch_data
            self._epoch_cost_max, self._epoch_accuracy_min = 0.0, math.inf
            self._redraw_epochs(data)
        self._show_compare()
        self._update_ranges(force=True)
        self._refresh_steps()

    def _redraw_epochs(self, data: np.ndarray) -> None:
        self._epoch_data = data
        with np.errstate(invalid="ignore"):
            self._epoch_cost_max = float(np.nanmax([0.0, *data[:, 1:3].ravel()]))
            self._epoch_accuracy_min = float(np.nanmin([math.inf, *data[:, 3:5].ravel()]))
        markers = len(data) <= MAX_MARKERS
        for item, col in self._epoch_items():
            y = self._cost_y(data[:, col]) if col in (1, 2) else data[:, col]
            item.setData(data[:, 0], y, symbol=item.marker if markers else None)

    def _cost_y(self, cost: np.ndarray) -> np.ndarray:
        if not self.log_cost.isChecked():
            return cost
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.where(cost > 0, cost, np.nan))

    def _show_compare(self) -> None:
        run = self._compare if self._compare in self.runs else None
        self._compare_view = None
        self._refresh_compare()
        self.compare_curve.setVisible(run is not None)
        legend = self._legends[self.cost_plot.vb]
        for sample, label in legend.items:
            if sample.item is self.compare_curve:
                label.setText(f"earlier: {run.label}" if run is not None else "earlier run")
        self.compare_box.clear()
        self.compare_box.addItem("no earlier run", None)
        for i, r in reversed(list(enumerate(self.runs))):
            self.compare_box.addItem(f"{i + 1}: {r.label}", i)
        self.compare_box.setCurrentIndex(0 if run is None else self.compare_box.findData(self.runs.index(run)))

    @Slot(int)
    def _on_compare_chosen(self, index: int) -> None:
        i = self.compare_box.itemData(index)
        self.compare_with(None if i is None else self.runs[i])

    def clear(self) -> None:
        """Forget everything shown; the next ``add_steps`` may have another number of layers.

        Steps of another number of layers, or whose samples seen start below the last ones, are a
        new run: ``add_steps`` starts one (``start_run``) by itself before showing them."""
        self.series.clear()
        self._last_sample = -math.inf
        self._epoch_data = np.empty((0, 5))  # samples seen, train/test cost, train/test accuracy %
        self._last_epoch: EpochRecord | None = None
        self._epoch_cost_max = 0.0
        self._epoch_accuracy_min = math.inf  # percent
        self._cost_range: tuple[float, float] | None = None  # what the cost axis was last set to hold
        for curve in (self.cost_curve, self.smooth_curve, *self.grad_curves):
            curve.setData(np.empty(0), np.empty(0))
        for item in (self.train_cost_curve, self.test_cost_curve, self.train_accuracy_curve, self.test_accuracy_curve):
            item.setData(np.empty(0), np.empty(0))
        for curve in self.grad_curves:
            self.grad_plot.removeItem(curve)
            self._grad_legend.removeItem(curve)
        self.grad_curves = []
        self._fit_legend(self.grad_plot.vb)
        self.reset_view()

    @Slot()
    def reset_view(self) -> None:
        """Follow the data again: x from 0 to the data's end (doubling steps), y fitted."""
        self._follow_x = True
        for vb in self._follow_y:
            self._follow_y[vb] = True
        self._x_max = float(INITIAL_X)
        self._update_ranges(force=True)
        self._refresh_steps()

    @property
    def n_step_points(self) -> int:
        """Step points held (and drawn, before decimation); at most ``max_points``."""
        return self.series.n

    @property
    def n_steps(self) -> int:
        """Steps received since the last ``clear``."""
        return self.series.n_steps

    @property
    def n_epoch_points(self) -> int:
        return len(self._epoch_data)

    @property
    def step_stride(self) -> int:
        """Steps per point: 1 until the buffers first fill, then 2, 4, ..."""
        return self.series.stride

    @property
    def buffer_capacity(self) -> int:
        """Rows allocated for step data; never more than ``max_points``."""
        return self.series.capacity

    @property
    def max_points(self) -> int:
        return self.series.max_points

    def sizeHint(self) -> QSize:
        return QSize(900, 260)

    # ------------------------------------------------------------------ ranges and display
    def _x_end(self) -> float:
        ends = [self.series.x[-1]] if self.series.n else []
        if len(self._epoch_data):
            ends.append(float(self._epoch_data[-1, 0]))
        return max(ends, default=0.0)

    def _update_ranges(self, force: bool = False) -> None:
        self._updating = True
        try:
            end = self._x_end()
            grown = False
            while end > self._x_max:
                self._x_max *= 2
                grown = True
            if self._follow_x and (grown or force):
                self.cost_plot.setXRange(0, self._x_max, padding=0)
            self._set_cost_y(force)
            low = self._epoch_accuracy_min
            self._set_y(self.accuracy_plot, 0.0 if low > 100 else max(0.0, 10 * math.floor((low - 2) / 10)), 100.0, force)
            s = self.series
            if s.n:
                lo, hi = math.floor(s.log_min), math.ceil(s.log_max)
                self._set_y(self.grad_plot, float(lo), float(max(hi, lo + 1)), force)
            else:
                self._set_y(self.grad_plot, -3.0, 0.0, force)
        finally:
            self._updating = False

    def _set_cost_y(self, force: bool) -> None:
        """The cost axis follows the recent cost (or, on a log scale, its recent decades).

        It widens at once, but narrows only when the cost would have to rise by a margin
        (``COST_AXIS_MARGIN``) to need the present range again: a noisy recent cost near a step
        of the scale (0.15 | 0.2) would otherwise flip the axis back and forth every few seconds,
        the curve jumping in height each time (and each flip relabels the axis, ~10 ms).
        """
        s, recent_epochs = self.series, self._epoch_data[-3:, 1:3]
        costs, smooth = (s.y[:, 0], s.y[:, 1]) if s.n else (np.empty(0), np.empty(0))
        if self.log_cost.isChecked():
            both = np.concatenate([costs, recent_epochs.ravel()])
            lo, hi = recent_log_range(both) or (-2.0, 1.0)
            roomy = recent_log_range(both, margin=math.log10(COST_AXIS_MARGIN)) or (lo, hi)
        else:
            with np.errstate(invalid="ignore"):
                epoch_top = float(np.nanmax(recent_epochs)) if recent_epochs.size and not np.isnan(recent_epochs).all() else 0
            top = max(recent_top(costs, smooth), epoch_top) if s.n else max(self._epoch_cost_max, 0)
            lo, hi = 0.0, _nice_ceil(1.1 * top)
            roomy = (0.0, _nice_ceil(1.1 * top * COST_AXIS_MARGIN))
        kept = self._cost_range
        if not force and kept is not None and roomy[0] <= kept[0] <= lo and hi <= kept[1] <= roomy[1]:
            lo, hi = kept  # holds the recent cost, and narrower would soon be too narrow
        self._cost_range = (lo, hi)
        self._set_y(self.cost_plot, lo, hi, force)

    def _set_y(self, plot: pg.PlotItem, lo: float, hi: float, force: bool) -> None:
        if not self._follow_y[plot.vb]:
            return
        (cur_lo, cur_hi) = plot.vb.viewRange()[1]
        pad = 0.02 * (hi - lo)
        target = (lo - pad, hi + pad)
        if force or not (math.isclose(cur_lo, target[0]) and math.isclose(cur_hi, target[1])):
            plot.setYRange(*target, padding=0)

    def _refresh_compare(self) -> None:
        """The earlier run's cost where the view shows it, thinned to its width (when the view moved)."""
        run = self._compare if self._compare in self.runs else None
        (x0, x1) = self.cost_plot.vb.viewRange()[0]
        view = (id(run), x0, x1, self.cost_plot.vb.width(), self.log_cost.isChecked())
        if view == self._compare_view:
            return
        self._compare_view = view
        if run is None:
            self.compare_curve.setData(np.empty(0), np.empty(0))
            return
        x, cost = visible_thinned(run.x, run.cost, x0, x1, max(self.cost_plot.vb.width(), 100.0))
        self.compare_curve.setData(x, self._cost_y(cost))

    def _refresh_steps(self) -> None:
        """Hand the step curves what the current view shows, decimated to its width."""
        self._refresh_compare()
        (x0, x1) = self.cost_plot.vb.viewRange()[0]
        pixels = max(self.cost_plot.vb.width(), self.grad_plot.vb.width(), 100.0)
        arrays = self._decimator.arrays(x0, x1, pixels)
        if arrays is None:
            return
        (px, py), (mx, my) = arrays
        self.cost_curve.setData(px, self._cost_y(py))
        self.smooth_curve.setData(mx, self._cost_y(my[:, 0]))
        self._grad_arrays = (mx, my)
        if self.separate_passes:
            self._grad_timer.start()
        else:
            self._refresh_grad_curves()

    @Slot()
    def _refresh_grad_curves(self) -> None:
        if self._grad_arrays is None:
            return
        mx, my = self._grad_arrays
        self._grad_arrays = None
        for l, curve in enumerate(self.grad_curves):
            curve.setData(mx, my[:, 1 + l])

    @Slot()
    def _on_view_changed(self, *args) -> None:
        if not self._updating:
            self._refresh_steps()

    @Slot(object)
    def _on_manual_range(self, mask) -> None:
        vb = self.sender()
        if mask[0]:
            self._follow_x = False
        if len(mask) > 1 and mask[1] and vb in self._follow_y:
            self._follow_y[vb] = False

    @Slot(object)
    def _fit_legend(self, vb: pg.ViewBox) -> None:
        # a legend taller than half its plot would hide the curves: leave it out until there is room
        legend = self._legends[vb]
        size = legend.boundingRect()
        fits = size.height() < 0.5 * vb.height() and size.width() < 0.7 * vb.width()
        legend.setVisible(fits and bool(legend.items))

    def _on_click(self, event) -> None:
        if event.double():
            self.reset_view()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        # whichever arrangement gives each plot the larger short side
        w, h = size.width(), size.height()
        self._arrange(horizontal=min(w / 3, h) >= min(w, h / 3))


# StepSeries, DEFAULT_MAX_POINTS and SMOOTH_SPAN are re-exported: callers and tests import them from here
__all__ = ["TrainingPlots", "Run", "StepSeries", "DEFAULT_MAX_POINTS", "SMOOTH_SPAN"]
