"""The main window: builds the panels, connects their signals, and holds the current network.

No maths here: slots read a panel's values and call one model function. Data flows one way: the
canvas's image goes through ``model.preprocess`` to the network, whose outputs the views draw;
training runs in a ``TrainingRun`` (a worker in a ``QThread``) whose snapshots a 30 Hz timer
hands to the plots and views. The window owns the network the views show; while training, the
worker trains its own copy and the window takes weight copies from the snapshots.

Whole concepts live beside it: the actions and menus in ``gui.window_actions``; what the window
keeps between sessions (layout, settings, the last network, the samples' folder) in
``gui.window_settings``; the "Teach it" commands in ``gui.teaching``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TypeVar

import numpy as np
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from digitlab.assets import DEFAULT_MODEL
from digitlab.gui.actions import build_menus, make_actions
from digitlab.gui.drawing.draw_panel import DrawPanel
from digitlab.gui.drawing.prediction_view import PredictionView
from digitlab.gui.drawing.preview import PreprocessView
from digitlab.gui.evaluation.evaluation_panel import EvaluationPanel
from digitlab.gui.network_view.view import NetworkView
from digitlab.gui.settings import WindowSettings, default_data_dir, open_sample_store
from digitlab.gui.step_through.panel import StepThroughPanel
from digitlab.gui.teaching.samples_panel import SamplesPanel
from digitlab.gui.teaching.teacher import Teacher
from digitlab.gui.training.panel import TrainingPanel
from digitlab.gui.training.plots import TrainingPlots
from digitlab.gui.training.worker import Snapshot, TrainingRun
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.data import MNIST, load_mnist
from digitlab.model.evaluation import Evaluation, format_per_digit
from digitlab.model.network import Network
from digitlab.model.preprocess import Preprocessed, as_input, preprocess
from digitlab.model.store import ModelFileError, load_with_info, save
from digitlab.model.train import EpochRecord, Trainer

FRAME_MS = 33  # snapshot timer: ~30 Hz, the display rate the views are fed at...
MAX_FRAME_MS = 250  # ...slowed down to 4 Hz at the most when drawing a frame is expensive
VIEW_INPUT_MS = 100  # the network view follows the pen at most this often
MNIST_DELAY_MS = 300  # MNIST starts loading this long after the window is built
T = TypeVar("T")
# the share of the GUI thread's time the views may take while training: a twentieth when the
# trainer needs the GIL all the time (small steps: each ms of drawing is a ms less training),
# a tenth when its steps are BLAS calls that leave the GIL free (the two then share it less)
FRAME_SHARE_GIL_BOUND = 20
FRAME_SHARE = 10


class MainWindow(QMainWindow):
    """Digit Lab's window. ``MainWindow()`` loads the last (or the shipped) model and is ready to draw."""

    def __init__(self, model_path: str | Path | None = None, data_dir: str | Path | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Digit Lab")
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.window_settings = WindowSettings(self)
        self._loader = ThreadPoolExecutor(max_workers=1)
        # MNIST loads in the background just after the window's first paint: loading beside the
        # window's construction slowed the first paint by ~0.15 s. Whoever needs it sooner waits
        self._mnist_future: Future[MNIST] | None = None
        self._mnist_timer = QTimer(self, singleShot=True, interval=MNIST_DELAY_MS)
        self._mnist_timer.timeout.connect(self._load_mnist)
        self._mnist_timer.start()
        self.run: TrainingRun | None = None
        self._run_started = 0.0
        self._last_result: Preprocessed | None = None

        self.actions = make_actions(self)
        self.draw = DrawPanel(self.actions)
        self.canvas = self.draw.canvas
        self.preview = PreprocessView()
        self.prediction = PredictionView()
        self.training = TrainingPanel(self.actions)
        self.plots = TrainingPlots()
        self.network_view = NetworkView()
        self.step_through = StepThroughPanel(self.network_view)
        self.evaluation = EvaluationPanel()
        self.store = open_sample_store(self.data_dir / "samples", self.statusBar())
        self.samples = SamplesPanel(self.store)  # reads them once the network is loaded, below
        self.teacher = Teacher(self)
        self._build_layout()
        self.view_menu = build_menus(self.menuBar(), self.actions, self.docks)

        self._predict_timer = QTimer(self, singleShot=True, interval=0)
        self._predict_timer.timeout.connect(self.update_prediction)
        self._view_input_timer = QTimer(self, singleShot=True, interval=VIEW_INPUT_MS)
        self._view_input_timer.timeout.connect(self._on_view_input_timer)
        self._pending_view_input: np.ndarray | None = None
        self._view_input_pending = False
        self.canvas.drawing_changed.connect(self._schedule_prediction)
        self._frame_timer = QTimer(self, interval=FRAME_MS)
        self._view_frame_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 2)
        self._view_frame_timer.timeout.connect(self._show_view_snapshot)
        self._view_snapshot: Snapshot | None = None
        self._diagram_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 4)
        self._diagram_timer.timeout.connect(self._show_diagram)
        self._epochs_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 4)
        self._epochs_timer.timeout.connect(self._show_epochs)
        self._pending_epochs: list[EpochRecord] = []
        self._frame_cost_ms = 0.0
        self._frame_cpu = time.thread_time()
        self._frame_timer.timeout.connect(self._on_frame)
        self.training.speed_changed.connect(self._on_speed)
        self.prediction.label_clicked.connect(self.teacher.label_drawing)
        self.samples.retrain_requested.connect(self.teacher.retrain)
        self.samples.undo_retrain_requested.connect(self.teacher.undo_retrain)
        self.samples.train_from_scratch_requested.connect(self.teacher.train_from_scratch)
        self.samples.sample_activated.connect(self.teacher.show_sample)
        self.network_view.accumulate_changed.connect(self._on_accumulate)
        self.docks["network"].visibilityChanged.connect(self._on_network_view_visible)
        self._connect_evaluation()
        self.step_through.active_changed.connect(self._on_step_through)
        self.training.learning_rate.valueChanged.connect(self.step_through.set_learning_rate)
        self.step_through.set_learning_rate(self.training.learning_rate.value())
        self._data_timer = QTimer(self, interval=100)  # hands MNIST to the step-through once loaded
        self._data_timer.timeout.connect(self._on_data_loaded)
        self._data_timer.start()

        self.network_label = QLabel(objectName="networkLabel")
        self.statusBar().addPermanentWidget(self.network_label)
        self.network = self._initial_network(model_path)
        self.network_view.set_network(self.network)
        self.evaluation.set_network(self.network)
        self.samples.set_predict(lambda x: self.network.predict(x))
        self._describe_network()
        if self.window_settings.restore():
            self._tabify_on_show = False  # the restored layout has its tab groups already
        self._update_run_controls()

    # ------------------------------------------------------------------ construction
    def _build_layout(self) -> None:
        centre = QWidget()
        row = QHBoxLayout(centre)
        row.addWidget(self.draw, 3)
        right = QVBoxLayout()
        right.addWidget(self.preview, 2)
        right.addWidget(self.prediction, 3)
        row.addLayout(right, 2)
        self.setCentralWidget(centre)
        # drawing actions act where the canvas is, so other panels can have their own Ctrl+Z / Esc
        for key in ("clear", "undo", "eraser"):
            self.actions[key].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.draw.addAction(self.actions[key])
        self.menuBar()  # menu and status bars first: adding them later rebuilds the dock tab bars
        self.statusBar()
        # side columns run the full height; tabs of docks sit above them
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("curves", "Learning curves", self.plots, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._add_dock("stepThrough", "Step through backprop", self.step_through,
                       Qt.DockWidgetArea.BottomDockWidgetArea, scroll=True)
        self.tabifyDockWidget(self.docks["curves"], self.docks["stepThrough"])
        self._add_dock("evaluation", "Where it goes wrong", self.evaluation, Qt.DockWidgetArea.BottomDockWidgetArea,
                       scroll=True)
        self.tabifyDockWidget(self.docks["stepThrough"], self.docks["evaluation"])
        self._add_dock("training", "Training", self.training, Qt.DockWidgetArea.LeftDockWidgetArea, scroll=True)
        self._add_dock("samples", "Your samples", self.samples, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("network", "Network", self.network_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks["curves"].raise_()
        # Qt 6.11 leaves a stray, visible copy of the tab bar when a second tab group is made before
        # the window is shown: the left group is made at the first show (unless a layout is restored)
        self._tabify_on_show = True

    def _add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea,
                  scroll: bool = False) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")  # saveState needs stable names
        if scroll:  # a tall panel scrolls in a short dock instead of overflowing it
            area_widget = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def _initial_network(self, model_path: str | Path | None) -> Network:
        """The explicit model, else the one left at the last exit, else the shipped one."""
        candidates = [Path(model_path)] if model_path else [self.window_settings.last_model_path, DEFAULT_MODEL]
        for path in candidates:
            if not path.exists():
                continue
            try:
                net, info = load_with_info(path)
            except ModelFileError as e:
                self.statusBar().showMessage(f"Could not load {path.name}: {e}", 10_000)
                continue
            self.model_path = path
            self._show_hyperparameters(info.hyperparameters)
            return net
        self.model_path = None
        self.statusBar().showMessage("No trained model found: starting with a fresh network", 10_000)
        return PRESETS["3b1b"].build_network()

    def _show_hyperparameters(self, hyperparameters: dict) -> None:
        """Show how a loaded network was trained, so Train continues in the same way."""
        try:
            config = TrainConfig.from_dict(hyperparameters).validate()
        except (ValueError, TypeError):
            return
        preset = next((name for name, p in PRESETS.items() if p == config), None)
        self.training.set_config(config, preset=preset)

    def _describe_network(self) -> None:
        net = self.network
        where = f" - {self.model_path.name}" if getattr(self, "model_path", None) else ""
        self.network_label.setText(f"{'-'.join(map(str, net.layer_sizes))} {net.activation_name}, "
                                   f"{net.cost_fn.output_name} outputs{where}")

    # ------------------------------------------------------------------ drawing and recognition
    @Slot()
    def _schedule_prediction(self) -> None:
        # coalesce: however many strokes arrive, predict once when the event loop is next idle
        if not self._predict_timer.isActive():
            self._predict_timer.start()

    def _gui_pass(self) -> AbstractContextManager[None]:
        """A pass of GUI work the trainer steps aside for (see gui/gui_turns.py); idle: just a block."""
        return nullcontext() if self.run is None else self.run.worker.turns.gui_pass()

    @Slot()
    def update_prediction(self) -> None:
        """Preprocess the canvas and show what the network sees and answers."""
        with self._gui_pass():
            self._update_prediction()

    def _update_prediction(self) -> None:
        result = preprocess(self.canvas.to_array())
        self._last_result = result
        self.preview.show_result(result)
        self._pending_view_input = None if result.empty else result.vector
        self._throttle_view_input()
        if result.empty:
            self.prediction.clear()
            return
        self._show_outputs(result)

    def _throttle_view_input(self) -> None:
        # the network view's redraw costs several bars' worth: it gets the drawing in an event-loop
        # pass of its own, after the bars have been painted (right after the first move), and at
        # most 10 times a second while the pen moves (the last move included), so the bars keep
        # up with the pen
        self._view_input_pending = True
        if not self._view_input_timer.isActive():
            self._view_input_timer.start(0)

    @Slot()
    def _on_view_input_timer(self) -> None:
        if self._view_input_pending:
            self._view_input_pending = False
            with self._gui_pass():
                self._give_view_input()
            self._view_input_timer.start(VIEW_INPUT_MS)

    def _give_view_input(self) -> None:
        x = self._pending_view_input
        self.network_view.set_input(x, None)
        self.step_through.set_example(x, None)

    def _show_outputs(self, result: Preprocessed) -> None:
        outputs = self.network.predict_proba(result.vector)[0]
        self.prediction.show_outputs(outputs, normalised=self.network.cost_name == "cross_entropy")

    @Slot()
    def clear_canvas(self) -> None:
        self.canvas.clear()

    @Slot()
    def undo_stroke(self) -> None:
        self.canvas.undo()

    @Slot(bool)
    def toggle_eraser(self, on: bool) -> None:
        self.canvas.set_tool("eraser" if on else "pen")

    # ------------------------------------------------------------------ models
    def set_network(self, net: Network) -> None:
        self.network = net
        self.network_view.set_network(net)
        self.evaluation.set_network(net)
        self._describe_network()
        self.samples.refresh()  # which of your samples it reads right
        if self._last_result is not None and not self._last_result.empty:
            self._show_outputs(self._last_result)

    @Slot()
    def new_network(self) -> None:
        if self._busy("make a new network"):
            return
        try:
            config = self.training.config()
        except ValueError as e:
            self._error("Cannot make that network", str(e))
            return
        self.model_path = None  # not from a file any more
        self.set_network(config.build_network())
        self.plots.clear()
        self.statusBar().showMessage(f"New network {'-'.join(map(str, config.layer_sizes))} with random weights", 5000)

    @Slot()
    def open_model(self) -> None:
        if self._busy("open a model"):
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", str(self.data_dir), "Digit Lab models (*.npz)")
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str | Path) -> bool:
        """Load a model file; a bad file leaves the current network as it was and says why."""
        try:
            net, info = load_with_info(path)
        except ModelFileError as e:
            self._error("Could not open the model", f"{e}\n\nThe current network is unchanged.")
            return False
        self.model_path = Path(path)
        self._show_hyperparameters(info.hyperparameters)
        self.set_network(net)
        self.statusBar().showMessage(f"Opened {Path(path).name}: {net!r}", 5000)
        return True

    @Slot()
    def save_model(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the network", str(self.data_dir / "model.npz"),
                                              "Digit Lab models (*.npz)")
        if path:
            self.save_model_file(path)

    def save_model_file(self, path: str | Path) -> bool:
        try:
            save(self.network, path, hyperparameters=self.window_settings.hyperparameters(),
                 metadata={"saved_by": "Digit Lab"})
        except (OSError, ValueError, TypeError) as e:
            self._error("Could not save the network", str(e))
            return False
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # ------------------------------------------------------------------ training
    def mnist(self) -> MNIST:
        return self._load_mnist().result()

    def in_background(self, fn: Callable[..., T], *args: object) -> Future[T]:
        """Run ``fn(*args)`` on the window's background thread (one at a time, in order)."""
        return self._loader.submit(fn, *args)

    @Slot()
    def _load_mnist(self) -> Future[MNIST]:
        if self._mnist_future is None:
            try:
                self._mnist_future = self._loader.submit(load_mnist)
            except RuntimeError:  # the window was closed (its loader shut down): load here
                self._mnist_future = Future()
                self._mnist_future.set_result(load_mnist())
        return self._mnist_future

    def _busy(self, what: str) -> bool:
        if self.run is not None:
            self.statusBar().showMessage(f"Stop training first to {what}", 5000)
            return True
        return False

    def _network_for(self, config: TrainConfig) -> Network:
        """The current network if its shape fits the config, else a fresh one of the config's shape."""
        net = self.network
        same = (net.layer_sizes == tuple(config.layer_sizes) and net.activation_name == config.activation
                and net.cost_name == config.cost)
        if same:
            return net.copy()
        self.statusBar().showMessage("The layers, activation or cost changed: training a new network", 8000)
        return config.build_network()

    def start_training(self, trainer: Trainer | None = None, start_paused: bool = False) -> bool:
        """Start a run: the panel's config on MNIST, or a prepared trainer (e.g. a retrain)."""
        if self.run is not None:
            return False
        if trainer is None:
            try:
                config = self.training.config()
            except ValueError as e:
                self._error("Cannot train with these settings", str(e))
                return False
            data = self.mnist()
            trainer = Trainer(self._network_for(config), config, data.train_x, data.train_y,
                              data.test_x, data.test_y)
        self.model_path = None  # training changes it: it is no longer the file's network
        self.set_network(trainer.net.copy())  # the views show the run's starting point
        self.run = TrainingRun(trainer, start_paused=start_paused, steps_per_second=self.training.steps_per_second())
        self.run.worker.finished.connect(self._on_run_finished)
        self.run.worker.failed.connect(self._on_run_failed)
        self.run.worker.state_changed.connect(self._update_run_controls)
        self.run.worker.set_record_changes(self.docks["network"].isVisible())
        self.run.worker.accumulate_changes = self.network_view.accumulate
        self._run_started = time.perf_counter()
        self.run.start()
        self._frame_cpu = time.thread_time()  # the first frame pays for itself, not for the setup
        self._frame_timer.start()
        self.samples.set_training(True)
        self._update_run_controls()
        return True

    @Slot()
    def toggle_training(self) -> None:
        if self.run is None:
            self.start_training()
        elif self.run.worker.is_paused:
            self.run.worker.resume()
        else:
            self.run.worker.pause()
        self._update_run_controls()

    @Slot()
    def step_once(self) -> None:
        if self.run is None:
            if not self.start_training(start_paused=True):
                return
        self.run.worker.step_once()
        self._update_run_controls()

    @Slot()
    def stop_training(self) -> None:
        if self.run is not None:
            self.run.worker.stop()

    @Slot(bool)
    def _on_network_view_visible(self, visible: bool) -> None:
        if visible:
            self.network_view.set_network(self.network)  # it was not fed while hidden
        # the step records carry weight changes only while someone looks at them
        if self.run is not None:
            self.run.worker.set_record_changes(visible)

    @Slot(bool)
    def _on_accumulate(self, on: bool) -> None:
        if self.run is not None:
            self.run.worker.accumulate_changes = on

    @Slot(bool)
    def _on_step_through(self, active: bool) -> None:
        if active:
            self.docks["network"].show()  # the stages are shown in the network view
        if active and self.run is not None and not self.run.worker.is_paused:
            self.run.worker.pause()
            self.statusBar().showMessage("Training paused while you step through backprop", 5000)
        self._update_run_controls()

    @Slot()
    def _on_data_loaded(self) -> None:
        future = self._mnist_future
        if future is not None and future.done():
            self._data_timer.stop()
            if future.exception() is None:
                data = future.result()
                self.step_through.set_data(data.test_x, data.test_y)
                self.evaluation.set_data(data)
            else:
                self.statusBar().showMessage(f"Could not load MNIST: {future.exception()}", 15_000)

    @Slot(object)
    def _on_speed(self, steps_per_second: float | None) -> None:
        if self.run is not None:
            self.run.worker.set_speed(steps_per_second)

    @Slot()
    def _on_frame(self) -> None:
        """Display rate: take what the worker did since the last frame and show it."""
        run = self.run  # the pass's repaints deliver posted events: the run may end inside it
        if run is None:
            return
        with run.worker.turns.gui_pass():
            self._show_snapshot(run.worker.take_snapshot())
        # the GUI's Python work holds the GIL the trainer needs: keep the views' share of the time
        # near 1/share by stretching the frame interval (33 ms to 250 ms) when frames are dear.
        # A frame's cost is the GUI thread's CPU time since the last one (paints included)
        cpu = time.thread_time()
        cost_ms = (cpu - self._frame_cpu) * 1000
        self._frame_cpu = cpu
        if self.run is not run:
            return  # the run ended inside the pass: its end's work is no frame's cost
        if run.worker.is_paused:
            interval = FRAME_MS  # nothing to share with: "1 step" shows at once. The estimate is
            # kept: a paused run's frames are cheap, and learning from them would rush the resumed
        else:
            self._frame_cost_ms += 0.2 * (cost_ms - self._frame_cost_ms)
            share = FRAME_SHARE_GIL_BOUND if run.worker.gil_bound else FRAME_SHARE
            interval = int(min(max(share * self._frame_cost_ms, FRAME_MS), MAX_FRAME_MS))
        if abs(interval - self._frame_timer.interval()) > 3:
            self._frame_timer.setInterval(interval)

    def _show_snapshot(self, snap: Snapshot) -> None:
        if len(snap.step_costs):
            self.plots.add_steps(snap.step_samples, snap.step_costs, snap.grad_norms)
        if snap.epochs:  # the epoch curves (and the accuracy plot) repaint in a pass of their own
            self._pending_epochs += snap.epochs
            self._epochs_timer.start()
        # the network view repaints in an event-loop pass of its own, half a frame later, so no
        # single pass carries the curves and the network at once (a late timer waits for both)
        self._view_snapshot = snap
        self._view_frame_timer.start()
        if snap.weights is not None:
            # copies made for us by the worker: the display network may keep them
            self.network.weights = list(snap.weights)
            self.network.biases = list(snap.biases)
            if self._last_result is not None and not self._last_result.empty:
                self._show_outputs(self._last_result)  # watch the network learn your digit
        self._show_progress(snap)

    @Slot()
    def _show_epochs(self) -> None:
        epochs, self._pending_epochs = self._pending_epochs, []
        if epochs:
            with self._gui_pass():
                self.plots.add_epochs(epochs)
            self.evaluation.set_network(self.network)  # the matrix follows the run epoch by epoch

    @Slot()
    def _show_view_snapshot(self) -> None:
        snap, self._view_snapshot = self._view_snapshot, None
        if snap is not None and self.docks["network"].isVisible():
            # two passes: the input and the tiles now, the diagram (edges, discs) in a pass of its
            # own just after, so neither half of the view's repaint holds the event loop for long
            diagram = self.network_view.diagram
            diagram.setUpdatesEnabled(False)
            try:
                with self._gui_pass():
                    self.network_view.show_snapshot(snap)
            finally:
                self._diagram_timer.start()

    @Slot()
    def _show_diagram(self) -> None:
        with self._gui_pass():
            self.network_view.diagram.setUpdatesEnabled(True)  # repaints it whole

    def _show_progress(self, snap: Snapshot) -> None:
        total = max(snap.total_steps, 1)
        fraction = snap.step / total
        last = snap.last_step
        rate = snap.samples_per_second
        status = []
        if last is not None:
            status.append(f"epoch {last.epoch}, step {last.step:,} of {total:,}, batch cost {last.cost:.4f}")
        if rate > 0 and self.run is not None and not self.run.worker.is_paused:
            left = snap.samples_left / rate
            status.append(f"{rate:,.0f} samples/s, about {_duration(left)} left")
        elif snap.state == "paused":
            status.append("paused")
        self.training.show_progress(fraction, f"{fraction:.0%}", " - ".join(status))

    @Slot(str)
    def _on_run_finished(self, outcome: str) -> None:
        self._end_run(f"Training {outcome}")

    @Slot(str)
    def _on_run_failed(self, message: str) -> None:
        self._end_run("Training failed")
        self._error("Training stopped", message)

    def _end_run(self, message: str) -> None:
        run, self.run = self.run, None
        self._frame_timer.stop()
        if run is None:
            return
        self.samples.set_training(False)
        run.shutdown()
        self._show_snapshot(run.worker.take_snapshot())  # the last steps and the final weights
        self._view_frame_timer.stop()
        self._show_view_snapshot()
        self._diagram_timer.stop()
        self._show_diagram()
        self._epochs_timer.stop()
        self._show_epochs()
        self.set_network(run.network)  # the thread has ended: its network is ours now
        self.window_settings.autosave_network()
        elapsed = time.perf_counter() - self._run_started
        self.statusBar().showMessage(f"{message} after {_duration(elapsed)}", 10_000)
        self._run_message = f"{message} after {_duration(elapsed)}"  # + per-digit accuracy when measured
        self.evaluation.evaluate_test()
        self.teacher.run_ended()  # after the run's message: a retraining's says more
        self._update_run_controls()

    @Slot()
    def _update_run_controls(self, *_: object) -> None:
        running = self.run is not None
        paused = running and self.run.worker.is_paused
        train = self.actions["train"]
        train.setText("&Resume" if paused else "&Pause" if running else "&Train")
        self.actions["stop"].setEnabled(running)
        for key in ("new_network", "open"):
            self.actions[key].setEnabled(not running)

    # ------------------------------------------------------------------ where it goes wrong
    def show_input(self, x: np.ndarray, label: int | None = None) -> None:
        """Make ``x`` (784 values in MNIST's form, e.g. an MNIST image) the input, as if drawn:
        the canvas clears; what the network sees, the bars, the network view and the step-through
        show ``x`` itself (with ``label``, the nudges too) until the next drawing."""
        result = as_input(x)
        self.canvas.clear()
        self._predict_timer.stop()  # the cleared canvas must not replace it
        self._view_input_pending = False
        self._last_result = result  # training goes on updating the bars for it
        self.preview.show_result(result)
        self._show_outputs(result)
        self.network_view.set_input(result.vector, label)
        self.step_through.set_example(result.vector, label)

    def _connect_evaluation(self) -> None:
        self.evaluation.example_chosen.connect(self.show_input)
        self.evaluation.keep_requested.connect(self._keep_example)
        self.evaluation.test_evaluated.connect(self._on_test_evaluated)
        self.network_view.neuron_clicked.connect(self._show_neuron_images)
        self.samples.samples_changed.connect(self._give_samples)
        self._run_message = ""
        self._give_samples()

    @Slot()
    def _give_samples(self) -> None:
        self.evaluation.set_samples(*self.store.arrays())

    @Slot(object, int)
    def _keep_example(self, image: np.ndarray, label: int) -> None:
        predicted = int(self.network.predict(image.reshape(-1))[0])
        try:
            self.samples.add_sample(label, image, (), predicted)
        except OSError as e:
            self._error("Could not keep the sample", str(e))
            return
        verdict = "read right" if predicted == label else f"it reads {predicted}"
        self.statusBar().showMessage(f"Kept as your sample of {label} ({verdict}); {len(self.store.all())} samples", 5000)

    @Slot(int, int)
    def _show_neuron_images(self, layer: int, j: int) -> None:
        if not self.step_through.active:  # stepping through, the bottom docks stay as they are
            self.docks["evaluation"].raise_()
        self.evaluation.show_neuron(layer, j)

    @Slot(object)
    def _on_test_evaluated(self, ev: Evaluation) -> None:
        if self._run_message:  # the end of a run: its per-digit accuracy on MNIST test
            self.statusBar().showMessage(f"{self._run_message}: {ev.accuracy:.2%} on MNIST test; per digit "
                                         f"{format_per_digit(ev.per_digit)}", 15_000)
            self._run_message = ""

    # ------------------------------------------------------------------ keys, errors, closing
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # digit keys reach here from the canvas, which ignores them: they label the drawing
        key = event.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.teacher.label_drawing(int(key - Qt.Key.Key_0))
            event.accept()
            return
        super().keyPressEvent(event)

    def _error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 10_000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.open()  # window-modal, not blocking: tests and the event loop carry on

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._tabify_on_show:
            self._tabify_on_show = False
            self.tabifyDockWidget(self.docks["training"], self.docks["samples"])
            self.docks["training"].raise_()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.run is not None:
            run, self.run = self.run, None
            self._frame_timer.stop()
            run.shutdown(timeout_ms=2000)
            self.network = run.network
        self.window_settings.autosave_network()
        self.window_settings.save()
        for timer in (self._mnist_timer, self._data_timer, self.teacher.report_timer):
            timer.stop()
        self._loader.shutdown(wait=False)
        self.evaluation.shutdown()
        super().closeEvent(event)


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
