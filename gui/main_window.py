"""The main window: composes the panels, routes commands, holds the current network.

No maths here and no training machinery: slots read a panel's values and call one model function
or one component's method. The canvas's image goes through ``model.preprocess`` to the network,
whose outputs the views draw; training runs in a ``TrainingSession`` (``gui.training.session``)
whose frames the window hands to the plots and views. The window owns the network the views show;
while training, the trainer process trains its own copy and frames bring weight copies.

Whole concepts live beside it: the actions and menus (``gui.actions``), the docks
(``gui.window_layout``), what is kept between sessions (``gui.settings``), the "Teach it"
commands (``gui.teaching.teacher``), the background thread (``gui.background``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from digitlab.gui.actions import build_menus, make_actions
from digitlab.gui.appearance.commands import Appearance
from digitlab.gui.background import BackgroundJobs
from digitlab.gui.drawing.canvas_keys import OWN_KEYS, CanvasKeys
from digitlab.gui.drawing.draw_panel import DrawPanel
from digitlab.gui.drawing.prediction_view import PredictionView
from digitlab.gui.drawing.preview import PreprocessView
from digitlab.gui.drawing.recognition import Recognition
from digitlab.gui.evaluation.evaluation_panel import EvaluationPanel
from digitlab.gui.help.menu import HelpMenu
from digitlab.gui.history.keeper import HistoryKeeper, how_loaded
from digitlab.gui.history.panel import HistoryPanel, add_history_dock
from digitlab.gui.mnist_source import MnistSource
from digitlab.gui.model_files import ModelFiles
from digitlab.gui.network_view.view import NetworkView
from digitlab.gui.settings import WindowSettings, default_data_dir, open_sample_store
from digitlab.gui.step_through.panel import StepThroughPanel
from digitlab.gui.teaching.samples_panel import SamplesPanel
from digitlab.gui.teaching.teacher import Teacher
from digitlab.gui.training.panel import TrainingPanel
from digitlab.gui.training.plots import TrainingPlots
from digitlab.gui.training.run_setup import make_recipe, run_how, run_summary
from digitlab.gui.training.session import TrainingSession
from digitlab.gui.window_layout import WindowLayout
from digitlab.model.data import MNIST, load_mnist
from digitlab.model.evaluation import Evaluation, format_per_digit
from digitlab.model.network import Network
from digitlab.model.train_process import Frame, RunRecipe

WARM_UP_MS = 1000  # the trainer process starts this long after (it competes for the CPU with start-up)


class MainWindow(QMainWindow):
    """Digit Lab's window. ``MainWindow()`` loads the last (or the shipped) model and is ready to draw."""

    def __init__(self, model_path: str | Path | None = None, data_dir: str | Path | None = None,
                 mnist_loader: Callable[[], MNIST] = load_mnist) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Digit Lab")
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.background = BackgroundJobs(self)
        self.data = MnistSource(self.background, mnist_loader, parent=self)
        # the trainer process loads the shipped MNIST itself (and early) unless the window was given other data
        self.session = TrainingSession(self, preload_mnist=self.data.shipped)
        QTimer.singleShot(WARM_UP_MS, self, self.session.warm_up)  # Train then starts at once
        self.model_path: Path | None = None

        self.actions = make_actions(self)
        self.draw = DrawPanel(self.actions)
        self.canvas = self.draw.canvas
        self.preview = PreprocessView()
        self.prediction = PredictionView()
        self.training = TrainingPanel(self.actions)
        self.plots = TrainingPlots()
        self.plots.separate_passes = True  # its two step plots in passes of their own (event-loop latency)
        self.network_view = NetworkView()
        self.step_through = StepThroughPanel(self.network_view)
        self.evaluation = EvaluationPanel()
        self.store = open_sample_store(self.data_dir / "samples", self.statusBar())
        self.samples = SamplesPanel(self.store)  # reads them once the network is loaded, below
        self.recognition = Recognition(self.canvas, self.preview, self.prediction, lambda: self.network, parent=self)
        self.window_layout = WindowLayout(self, self.draw, self.preview, self.prediction, self.actions)
        self.docks = self.window_layout.add_docks(curves=self.plots, step_through=self.step_through, evaluation=self.evaluation,
                                            training=self.training, samples=self.samples, network=self.network_view)
        self.view_menu = build_menus(self.menuBar(), self.actions, self.docks)
        self.history = HistoryKeeper(self.data_dir / "history", self._busy, parent=self)
        self.docks["history"] = add_history_dock(self, HistoryPanel(self.history), self.docks["stepThrough"],
                                                 self.view_menu)
        self.appearance = Appearance(self, self.view_menu, self.canvas, self.plots, self.window_layout.reset)
        self.help = HelpMenu(self, self.menuBar(), self.actions | self.appearance.actions, {
            "canvas": self.canvas, "preview": self.preview, "answer": self.prediction, "curves": self.docks["curves"],
            "step_through": self.docks["stepThrough"], "samples": self.docks["samples"]})
        self.window_settings = WindowSettings(self, self.training, self.draw, self.data_dir)
        self.files = ModelFiles(self, self.training, self.data_dir, self.window_settings.hyperparameters)
        self.teacher = Teacher(self.canvas, self.samples, lambda: self.network, self.mnist, self.start_training,
                               self._busy, self.background, self.training.config, parent=self)
        self.samples.gallery.setProperty(OWN_KEYS, True)  # there digits relabel samples, Delete deletes them
        self.canvas_keys = CanvasKeys(self, self.actions, self.teacher.label_drawing)  # wherever the focus is
        self._connect()

        self.network_label = QLabel(objectName="networkLabel", toolTip="The network shown: neurons per layer "
                                    "(input to output), the hidden layers' activation, the output layer's kind, its file")
        self.statusBar().addPermanentWidget(self.network_label)
        self.network, self.model_path = self.files.initial(model_path, self.window_settings.last_model_path)
        self.network.make_input_major()  # a live reading then reads only the inked pixels' weights
        self._run_how = "trained"
        self.history.record(self.network, how_loaded(self.model_path, self.window_settings.last_model_path))
        self.network_view.set_network(self.network)
        self.evaluation.set_network(self.network)
        self.samples.set_predict(lambda x: self.network.predict(x))
        self._describe_network()
        self.window_layout.restored(self.window_settings.restore())
        if self.window_settings.problem:  # said after what the model files said, not instead
            said = self.statusBar().currentMessage()
            self.statusBar().showMessage(f"{said} {self.window_settings.problem}".strip(), 30_000)
        self._update_run_controls()

    def _connect(self) -> None:
        for key, slot in {"train": self.toggle_training, "stop": self.session.stop, "step": self.step_once,
                          "new_network": self.new_network, "open": self.files.ask_open,
                          "save": lambda: self.files.ask_save(self.network),
                          "clear": self.canvas.clear, "undo": self.canvas.undo, "eraser": self.toggle_eraser,
                          "quit": self.close}.items():
            self.actions[key].triggered.connect(slot)
        self.recognition.input_changed.connect(self._on_input)
        self.canvas.stroke_started.connect(lambda: self.session.hold_view(True))  # the pen comes first
        self.canvas.stroke_finished.connect(lambda: self.session.hold_view(False))
        self.data.loaded.connect(self._on_mnist_loaded)
        self.data.failed.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        s = self.session
        s.steps_arrived.connect(self._on_steps)
        s.epochs_arrived.connect(self.plots.add_epochs)
        s.view_frame.connect(self._on_view_frame)
        s.view_frame_done.connect(self.network_view.diagram.render_soon)  # in parts, then enables its updates
        s.progress.connect(lambda fraction, status: self.training.show_progress(fraction, f"{fraction:.0%}", status))
        s.state_changed.connect(self._update_run_controls)
        s.ended.connect(self._on_run_ended)
        s.failed.connect(lambda message: self._error("Training stopped", message))
        self.training.speed_changed.connect(s.set_speed)
        self.network_view.accumulate_changed.connect(s.set_accumulate)
        self.docks["network"].visibilityChanged.connect(self._on_network_view_visible)
        self.step_through.active_changed.connect(self._on_step_through)
        self.training.learning_rate.valueChanged.connect(self.step_through.set_learning_rate)
        self.step_through.set_learning_rate(self.training.learning_rate.value())
        for component in (self.files, self.teacher, self.history):
            component.message.connect(self.statusBar().showMessage)
            component.error.connect(self._error)
        self.files.opened.connect(lambda net, path: self.replace_network(net, f"opened {path.name}", path))
        t = self.teacher
        t.network_replaced.connect(lambda net: self.replace_network(net, "undo retrain"))
        self.history.network_chosen.connect(lambda net, message: (self.replace_network(net, None),
                                                                  self.statusBar().showMessage(message, 8000)))
        self.prediction.label_clicked.connect(t.label_drawing)
        self.samples.retrain_requested.connect(t.retrain)
        self.samples.undo_retrain_requested.connect(t.undo_retrain)
        self.samples.train_from_scratch_requested.connect(t.train_from_scratch)
        self.samples.sample_activated.connect(t.show_sample)
        t.input_requested.connect(self.recognition.show_input)
        self._connect_evaluation()

    def _describe_network(self) -> None:
        net, where = self.network, f" - {self.model_path.name}" if self.model_path else ""
        self.network_label.setText(f"{'-'.join(map(str, net.layer_sizes))} {net.activation_name}, "
                                   f"{net.cost_fn.output_name} outputs{where}")

    # ------------------------------------------------------------------ drawing
    @Slot(object, object)
    def _on_input(self, x, label) -> None:
        self.network_view.set_input(x, label)
        self.step_through.set_example(x, label)

    @Slot(bool)
    def toggle_eraser(self, on: bool) -> None:
        self.canvas.set_tool("eraser" if on else "pen")

    # ------------------------------------------------------------------ models
    def set_network(self, net: Network, keep_changes: bool = False, test: Evaluation | None = None) -> None:
        """Make ``net`` the window's network (``test``: its MNIST test evaluation, if already made)."""
        net.make_input_major()  # a live reading then reads only the inked pixels' weights (frames stay as sent)
        self.network = net
        self.network_view.set_network(net, keep_changes=keep_changes)
        self.evaluation.set_network(net, test=test)
        self._describe_network()
        self.samples.refresh()  # which of your samples it reads right
        self.recognition.refresh_outputs()

    def replace_network(self, net: Network, how: str | None, path: Path | None = None) -> None:
        """Make ``net`` current, kept in the history as made ``how`` (None: it is there already)."""
        if how is not None:
            self.history.record(net, how)
        self.model_path = path
        self.set_network(net)
        self.plots.start_run(None)  # the curves belong to the current network: the last run's stay for comparison
        self.training.show_progress(0.0, "not started", "")

    @Slot()
    def new_network(self) -> None:
        if self._busy("make a new network"):
            return
        try:
            config = self.training.config()
        except ValueError as e:
            self._error("Cannot make that network", str(e))
            return
        self.replace_network(config.build_network(), f"new network, random weights (seed {config.seed})")
        self.statusBar().showMessage(f"New network {'-'.join(map(str, config.layer_sizes))} with random weights", 5000)

    def open_model_file(self, path: str | Path) -> bool:
        """Load a model file; a bad file leaves the current network as it was and says why."""
        return self.files.open(path)

    def save_model_file(self, path: str | Path) -> bool:
        return self.files.save(self.network, path)

    # ------------------------------------------------------------------ training
    def mnist(self) -> MNIST:
        """MNIST, waiting for the background load if it has not finished."""
        return self.data.get()

    @Slot(object)
    def _on_mnist_loaded(self, data: MNIST) -> None:
        self.step_through.set_data(data.test_x, data.test_y)
        self.evaluation.set_data(data)

    def _busy(self, what: str) -> bool:
        if self.session.active:
            self.statusBar().showMessage(f"Stop training first to {what}", 5000)
            return True
        return False

    def start_training(self, recipe: RunRecipe | None = None, start_paused: bool = False, how: str = "trained") -> bool:
        """Start a run: the panel's config on MNIST (and your samples), or a prepared recipe (e.g. a retrain)."""
        if self.session.active:
            return False
        if recipe is None:
            try:
                config = self.training.config()
            except ValueError as e:
                self._error("Cannot train with these settings", str(e))
                return False
            samples = self.teacher.sample_arrays() if self.training.keep_samples.isChecked() else None
            recipe, how = make_recipe(config, self.network, samples)
        if not self.data.shipped:  # tests and scripts that gave the window their own data
            recipe = dataclasses.replace(recipe, data=self.mnist())
        self._run_how = how  # the network it makes goes into the history as made so
        self.model_path = None  # training changes it: it is no longer the file's network
        self.plots.start_run(how)  # clean axes; the last run stays, dimmed, for comparison
        self.evaluation.set_training(True)  # the trainer's epochs bring their test evaluations
        self.set_network(recipe.network.copy())  # the views show the run's starting point
        self.session.set_record_changes(self.docks["network"].isVisible())
        self.samples.set_training(True)
        if not self.session.start(recipe, start_paused, self.training.steps_per_second()):
            self.samples.set_training(False)
            self.evaluation.set_training(False)
            return False
        return True

    @Slot()
    def toggle_training(self) -> None:
        if not self.session.active:
            self.start_training()
        elif self.session.paused:
            self.session.resume()
        else:
            self.session.pause()

    @Slot()
    def step_once(self) -> None:
        if self.session.active or self.start_training(start_paused=True):
            self.session.step_once()

    @Slot(bool)
    def _on_network_view_visible(self, visible: bool) -> None:
        if visible:
            self.network_view.set_network(self.network)  # it was not fed while hidden
        self.session.set_record_changes(visible)  # step records carry changes only while looked at

    @Slot(bool)
    def _on_step_through(self, active: bool) -> None:
        if active:
            self.docks["network"].show()  # the stages are shown in the network view
        if active and self.session.active and not self.session.paused:
            self.session.pause()
            self.statusBar().showMessage("Training paused while you step through backprop", 5000)

    @Slot(object)
    def _on_steps(self, snap: Frame) -> None:
        if len(snap.step_costs):
            self.plots.add_steps(snap.step_samples, snap.step_costs, snap.grad_norms)
        if snap.weights is not None:  # copies: the display network keeps them
            self.network.weights, self.network.biases = list(snap.weights), list(snap.biases)
            self.recognition.refresh_outputs_soon()  # watch the network learn your digit

    @Slot(object)
    def _on_view_frame(self, snap: Frame) -> None:
        if self.docks["network"].isVisible():  # the diagram repaints in the next pass (view_frame_done)
            self.network_view.diagram.hold_repaint()
            self.network_view.show_snapshot(snap)

    @Slot(object, str, str)
    def _on_run_ended(self, network: Network, outcome: str, message: str) -> None:
        self.samples.set_training(False)
        last = self.plots.last_epoch  # the run's final figures, if it finished an epoch
        finished = outcome == "finished" and last is not None
        # the run has ended: its network is ours now (a finished run's is its last epoch's, evaluated);
        # only then may the panel evaluate again (else it would start on the last frame's network)
        self.set_network(network, keep_changes=True, test=last.test_evaluation if finished else None)
        self.evaluation.set_training(False)
        self.history.record(network, run_how(self._run_how, outcome, last, self.session.steps_done),
                            last.test_accuracy if finished else None)
        if (problem := self.window_settings.autosave_network(self.network)) is not None:
            self.statusBar().showMessage(problem, 10_000)
        message += run_summary(last)
        self.statusBar().showMessage(message, 10_000)
        self._run_message = message  # + MNIST test accuracy per digit, once measured
        if (test := self.evaluation.evaluation("test")) is not None:  # the last epoch's, from the trainer
            self._on_test_evaluated(test)
        else:
            self.evaluation.evaluate_test()
        self.teacher.run_ended()  # after the run's message: a retraining's says more

    @Slot()
    def _update_run_controls(self) -> None:
        running, paused = self.session.active, self.session.paused
        self.actions["train"].setText("&Resume" if paused else "&Pause" if running else "&Train")
        self.actions["stop"].setEnabled(running)
        for key in ("new_network", "open"):
            self.actions[key].setEnabled(not running)

    # ------------------------------------------------------------------ where it goes wrong
    def _connect_evaluation(self) -> None:
        self._run_message = ""
        ev = self.evaluation
        ev.example_chosen.connect(self.recognition.show_input)
        ev.keep_requested.connect(self.teacher.keep_image)
        ev.test_evaluated.connect(self._on_test_evaluated)
        self.network_view.neuron_clicked.connect(self._show_neuron_images)
        # epoch by epoch, with the test set's answers from the trainer's own pass at the epoch's end
        self.session.epochs_arrived.connect(lambda records: ev.set_network(self.network, test=records[-1].test_evaluation))
        self.samples.samples_changed.connect(lambda: ev.set_samples(*self.store.arrays()))
        ev.set_samples(*self.store.arrays())

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

    # ------------------------------------------------------------------ errors, closing
    @Slot(str, str)
    def _error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 10_000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.open()  # window-modal, not blocking: tests and the event loop carry on

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.window_layout.shown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.samples.cancel_import(wait_s=2.0)  # an import stops after its chunk; what it wrote is kept
        network = self.session.shutdown(timeout=1.0)  # the trainer process ends within 1 s
        if network is not None:
            self.network = network
        self.window_settings.autosave_network(self.network)
        self.window_settings.save()
        self.background.shutdown()
        self.evaluation.shutdown()
        super().closeEvent(event)
        for dock in self.docks.values():  # floating panels are windows of their own: they go with it
            if dock.isFloating():
                dock.hide()

