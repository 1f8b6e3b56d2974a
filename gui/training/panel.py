"""The training panel: hyper-parameters, the run's controls, and its progress.

Every control has a tooltip saying what it does to learning. The panel holds no network and
runs nothing: it builds a ``TrainConfig`` (``config()``), shows one (``set_config``) and emits
the user's commands as signals; the main window connects them to the training session.

A config to show may come from a file or a saved setting: ``set_config`` checks that every value
fits its field (a spin box holds a C int, a combo box its items) before it changes any of them,
and raises ``ValueError`` naming the field otherwise, so the panel is never left half-updated.
The fields' ranges are ``model.config``'s bounds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from digitlab.model.activations import ACTIVATIONS
from digitlab.model.config import (
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    PRESET_DESCRIPTIONS,
    PRESETS,
    SCHEDULES,
    TrainConfig,
)
from digitlab.model.optimizers import OPTIMIZERS

# slow motion: slider positions -> steps per second (the last is "full speed")
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 30, 100, None)


def _speed_text(speed: float | None) -> str:
    return "full speed" if speed is None else f"{speed:g} steps/s"


class TrainingPanel(QWidget):
    """Hyper-parameters and the Train / Pause / Resume, Stop and 1 step controls."""

    new_network_requested = Signal()
    train_toggled = Signal()  # start, pause or resume: the window knows which
    stop_requested = Signal()
    step_requested = Signal()
    speed_changed = Signal(object)  # steps per second, or None for full speed

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        layout = QVBoxLayout(self)

        form_box = QGroupBox("Network and hyper-parameters")
        form = QFormLayout(form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.preset = QComboBox(objectName="preset")
        for name in PRESETS:
            self.preset.addItem(name)
        self.preset.addItem("custom")
        self.preset.setToolTip("Start from a known recipe:\n" + "\n".join(
            f"{k}: {v}" for k, v in PRESET_DESCRIPTIONS.items()))
        self.layers = QLineEdit(objectName="layers")
        self.layers.setToolTip("Neurons per layer, input to output, e.g. 784-16-16-10. More or wider hidden "
                               "layers can learn more but train slower. Changing it needs a New network.")
        self.activation = self._combo("activation", ACTIVATIONS, "What each hidden neuron does with its "
                                      "weighted input. Sigmoid and tanh saturate (gradients vanish in deep "
                                      "nets); ReLU keeps gradients alive and usually learns faster.")
        self.cost = QComboBox(objectName="cost")
        self.cost.addItem("quadratic (sigmoid outputs)", "quadratic")
        self.cost.addItem("cross-entropy (softmax outputs)", "cross_entropy")
        self.cost.setToolTip("How wrong an answer counts. Quadratic (the 3Blue1Brown lesson's) learns slowly "
                             "when an output is confidently wrong; cross-entropy does not, and its outputs "
                             "are probabilities.")
        self.optimizer = self._combo("optimizer", OPTIMIZERS, "How a gradient becomes a step. SGD steps "
                                     "straight down the gradient; momentum keeps a running velocity that "
                                     "smooths noisy batches; Adam scales each weight's step by its history.")
        self.learning_rate = QDoubleSpinBox(objectName="learningRate", decimals=5, minimum=1e-5,
                                            maximum=100.0, singleStep=0.001)
        self.learning_rate.setToolTip("Step size eta. Too small: learning crawls. Too large: the cost "
                                      "jumps around or explodes. SGD with sigmoid likes ~3; Adam ~0.001.")
        self.batch_size = QSpinBox(objectName="batchSize", minimum=1, maximum=MAX_BATCH_SIZE)
        self.batch_size.setToolTip("Examples averaged into each gradient step. Small batches: many noisy "
                                   "steps; large: fewer, smoother steps that use the CPU better.")
        self.epochs = QSpinBox(objectName="epochs", minimum=1, maximum=MAX_EPOCHS)
        self.epochs.setToolTip("Passes over all 60,000 training images.")
        self.l2 = QDoubleSpinBox(objectName="l2", decimals=6, minimum=0.0, maximum=1.0, singleStep=1e-5)
        self.l2.setToolTip("Weight decay: pulls every weight a little towards zero each step, which "
                           "discourages memorising and often helps test accuracy.")
        self.schedule = self._combo("schedule", SCHEDULES, "How the learning rate changes over the run: "
                                    "constant, cosine (smoothly down to 2%), or step (x0.1 at half and "
                                    "three quarters). Lowering it late settles into a better minimum.")
        self.augment = QCheckBox("Distort training images", objectName="augment")
        self.augment.setToolTip("Augmentation: randomly rotate, scale, shear and shift every training image a little (the "
                                "accurate preset also gives some ones a European flag and some sixes a curled top), so "
                                "the network learns digits as people draw them, not only as MNIST has them.")
        self.deskew = QCheckBox("Straighten slanted digits", objectName="deskew")
        self.deskew.setToolTip("Deskewing: the network reads every image, in training and when you draw, sheared "
                               "so that its slant (from the ink's moments) is taken out. It then need not learn "
                               "each slant of each digit. The drawing panel's preview shows the image it reads.")
        self.seed = QSpinBox(objectName="seed", minimum=0, maximum=MAX_SEED)
        self.seed.setToolTip("Random seed for the initial weights, the shuffling and the distortions: the "
                             "same seed gives the same run, bit for bit.")
        for label, w in [("Preset", self.preset), ("Layers", self.layers), ("Hidden activation", self.activation),
                         ("Cost", self.cost), ("Optimizer", self.optimizer), ("Learning rate", self.learning_rate),
                         ("Batch size", self.batch_size), ("Epochs", self.epochs), ("L2 decay", self.l2),
                         ("Schedule", self.schedule), ("Seed", self.seed)]:
            form.addRow(label, w)
        for box in (self.augment, self.deskew):  # a whole row each: their text says what they do
            form.addRow(box)
        layout.addWidget(form_box)

        buttons = QGridLayout()
        self.train_button = self._button(actions["train"], "train")
        self.stop_button = self._button(actions["stop"], "stop")
        self.step_button = self._button(actions["step"], "step")
        self.new_button = self._button(actions["new_network"], "newNetwork")
        buttons.addWidget(self.train_button, 0, 0)
        buttons.addWidget(self.step_button, 0, 1)
        buttons.addWidget(self.stop_button, 0, 2)
        buttons.addWidget(self.new_button, 1, 0)
        buttons.addWidget(self._button(actions["open"], "openModel"), 1, 1)
        buttons.addWidget(self._button(actions["save"], "saveModel"), 1, 2)
        layout.addLayout(buttons)

        speed_row = QHBoxLayout()
        self.speed = QSlider(Qt.Orientation.Horizontal, objectName="speed")
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(len(SPEEDS) - 1)
        self.speed.setSingleStep(1)
        self.speed.setPageStep(1)  # a click on the track moves one speed, not from full speed to 1 step/s
        self.speed.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed.setToolTip("Slow motion: from one backprop step a second (follow each change in the "
                              "network view) up to full speed.")
        self.speed_label = QLabel(_speed_text(None))
        self.speed_label.setMinimumWidth(80)
        self.speed.valueChanged.connect(self._on_speed)
        speed_row.addWidget(QLabel("Speed"))
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        layout.addLayout(speed_row)
        self.keep_samples = QCheckBox("Keep your samples in the mix", objectName="keepSamples", checked=True)
        self.keep_samples.setToolTip("Train adds ten distorted copies of each of your samples to MNIST's 60,000 "
                                     "images, so a network retrained on your handwriting does not unlearn it.")
        layout.addWidget(self.keep_samples)

        self.progress = QProgressBar(objectName="progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("not started")
        self.progress.setTextVisible(True)
        self.status = QLabel(objectName="trainingStatus")
        self.status.setWordWrap(True)
        self.status.setToolTip("The run so far: the epoch (a pass over the 60,000 training images), the step "
                               "(one mini-batch, one gradient descent step) and the cost C of the last mini-batch")
        self.progress.setToolTip("How much of the run is done: steps taken of all the epochs' steps")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.preset.currentTextChanged.connect(self._on_preset)
        for w in (self.layers,):
            w.textEdited.connect(self._mark_custom)
        for w in (self.activation, self.cost, self.optimizer, self.schedule):
            w.activated.connect(self._mark_custom)
        for w in (self.learning_rate, self.batch_size, self.epochs, self.l2, self.seed):
            w.valueChanged.connect(self._mark_custom)
        self.augment.toggled.connect(self._mark_custom)
        self.deskew.toggled.connect(self._mark_custom)
        self._loading = False
        self.set_config(PRESETS["3b1b"], preset="3b1b")

    # ------------------------------------------------------------------ building helpers
    def _combo(self, name: str, items, tip: str) -> QComboBox:
        box = QComboBox(objectName=name)
        for item in items:
            box.addItem(item, item)
        box.setToolTip(tip)
        return box

    def _button(self, action: QAction, name: str) -> QToolButton:
        b = QToolButton(objectName=name)
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding, b.sizePolicy().verticalPolicy())
        return b

    # ------------------------------------------------------------------ config in and out
    def config(self) -> TrainConfig:
        """The configuration the controls show; ``ValueError`` says which field is wrong."""
        text = self.layers.text().replace(",", "-").replace(" ", "")
        try:
            sizes = tuple(int(s) for s in text.split("-") if s)
        except ValueError:
            raise ValueError(f"layer sizes must be numbers separated by '-', e.g. 784-16-16-10, got {self.layers.text()!r}") from None
        # fields the panel does not show (the distortions' ranges) come from the config last shown
        return self._shown.replace(
            layer_sizes=sizes,
            activation=self.activation.currentData(),
            cost=self.cost.currentData(),
            optimizer=self.optimizer.currentData(),
            learning_rate=self.learning_rate.value(),
            batch_size=self.batch_size.value(),
            epochs=self.epochs.value(),
            l2=self.l2.value(),
            schedule=self.schedule.currentData(),
            augment=self.augment.isChecked(),
            deskew=self.deskew.isChecked(),
            seed=self.seed.value(),
        ).validate()

    def set_config(self, config: TrainConfig, preset: str | None = None) -> None:
        """Show ``config``; ``ValueError`` naming the field, and nothing changed, when a value is
        invalid or outside what its field can show."""
        self.check_fits(config)
        self._shown = config
        self._loading = True
        try:
            self.layers.setText("-".join(map(str, config.layer_sizes)))
            for box, value in ((self.activation, config.activation), (self.cost, config.cost),
                               (self.optimizer, config.optimizer), (self.schedule, config.schedule)):
                box.setCurrentIndex(max(box.findData(value), 0))
            self.learning_rate.setValue(config.learning_rate)
            self.batch_size.setValue(config.batch_size)
            self.epochs.setValue(config.epochs)
            self.l2.setValue(config.l2)
            self.augment.setChecked(config.augment)
            self.deskew.setChecked(config.deskew)
            self.seed.setValue(config.seed)
            self.preset.setCurrentText(preset if isinstance(preset, str) and preset in PRESETS else "custom")
        finally:
            self._loading = False

    def check_fits(self, config: TrainConfig) -> None:
        """``ValueError`` naming the first field that cannot show its value of ``config``."""
        config.validate()
        for name, box, value in (("learning_rate", self.learning_rate, config.learning_rate),
                                 ("batch_size", self.batch_size, config.batch_size),
                                 ("epochs", self.epochs, config.epochs), ("l2", self.l2, config.l2),
                                 ("seed", self.seed, config.seed)):
            if not box.minimum() <= value <= box.maximum():
                raise ValueError(f"{name} {value!r} is outside the panel's range, {box.minimum():g} to {box.maximum():g}")
        for name, box, value in (("activation", self.activation, config.activation), ("cost", self.cost, config.cost),
                                 ("optimizer", self.optimizer, config.optimizer), ("schedule", self.schedule, config.schedule)):
            if box.findData(value) < 0:
                raise ValueError(f"{name} {value!r} is not one the panel offers")

    @Slot(str)
    def _on_preset(self, name: str) -> None:
        if not self._loading and name in PRESETS:
            self.set_config(PRESETS[name], preset=name)

    @Slot()
    def _mark_custom(self, *_: object) -> None:
        if not self._loading:
            self._loading = True
            self.preset.setCurrentText("custom")
            self._loading = False

    @Slot(int)
    def _on_speed(self, position: int) -> None:
        speed = SPEEDS[position]
        self.speed_label.setText(_speed_text(speed))
        self.speed_changed.emit(speed)

    def steps_per_second(self) -> float | None:
        return SPEEDS[self.speed.value()]

    # ------------------------------------------------------------------ progress
    def show_progress(self, fraction: float, text: str, status: str) -> None:
        self.progress.setValue(int(round(fraction * 1000)))
        self.progress.setFormat(text)
        self.status.setText(status)
