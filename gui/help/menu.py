"""The Help menu: keyboard shortcuts, the glossary of symbols, the guided tour and About.

``HelpMenu`` adds the menu to a menu bar and owns the dialogs and the ``Tour``; the tour's six
steps point at the parts of the window it is given by name (``canvas``, ``preview``, ``answer``,
``training``, ``curves``, ``step_through``, ``samples``), with a function that brings a tabbed dock
to the front first. ``first_run`` starts the tour once per user (the ``tourSeen`` flag).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenuBar, QWidget

from digitlab.gui.help.dialogs import TextDialog, about_html, shortcuts_html
from digitlab.gui.help.glossary import glossary_html
from digitlab.gui.help.tour import Tour, TourStep, tour_seen


def lesson_steps(parts: dict[str, QWidget]) -> list[TourStep]:
    """Draw here -> what the network sees -> its answer -> train -> one backprop step -> teach it."""
    def front(name: str) -> Callable[[], None]:
        def bring() -> None:
            dock = parts[name]
            if isinstance(dock, QDockWidget):
                dock.show()
                dock.raise_()
        return bring

    return [
        TourStep("Draw a digit here",
                 "Write a digit with the left mouse button (right button erases). Esc clears, Ctrl+Z takes "
                 "back a stroke.", lambda: parts["canvas"]),
        TourStep("What the network sees",
                 "Your drawing is cropped, scaled to 20x20 and centred in 28x28, as MNIST's digits were made. "
                 "These 784 pixels are the activations of the input layer.", lambda: parts["preview"]),
        TourStep("Its answer",
                 "The ten output neurons as bars: the highest one is the network's answer, and above them "
                 "how sure it is.", lambda: parts["answer"]),
        TourStep("Train it and watch the cost",
                 "Pick a preset (3b1b is the lesson's network) and press Train (Ctrl+T). The cost, how lousy "
                 "the network is, falls in Learning curves as it learns.", lambda: parts["curves"],
                 front("curves")),
        TourStep("See one backprop step",
                 "The Step through tab walks one step of gradient descent on your drawing: forward, cost, "
                 "the errors δ going backwards (BP1, BP2), the gradient (BP3, BP4) and the update. The "
                 "network view on the right shows each number.", lambda: parts["step_through"],
                 front("step_through")),
        TourStep("Teach it your handwriting",
                 "When it reads your digit wrong, press the right digit key or click the digit under the "
                 "bars: your drawing is kept in Your samples, and Retrain teaches it your style. Help > "
                 "Guided tour shows this tour again.", lambda: parts["samples"], front("samples")),
    ]


class HelpMenu(QObject):
    """Help > Keyboard shortcuts, Glossary of symbols, Guided tour, About Digit Lab."""

    def __init__(self, window: QWidget, bar: QMenuBar, actions: dict[str, QAction], parts: dict[str, QWidget]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = actions
        self.tour = Tour(window, lesson_steps(parts))
        self.tour.finished.connect(self._tour_done)
        self.dialogs: dict[str, TextDialog] = {}
        menu = bar.addMenu("&Help")
        self.menu_actions: dict[str, QAction] = {}
        for key, text, shortcut, slot in (
            ("shortcuts", "&Keyboard shortcuts", "F1", self.show_shortcuts),
            ("glossary", "&Glossary of symbols", "", self.show_glossary),
            ("tour", "Guided &tour", "", self.tour.start),
            ("about", "&About Digit Lab", "", self.show_about),
        ):
            action = QAction(text, self, objectName=f"help_{key}")
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(text.replace("&", ""))
            action.triggered.connect(slot)
            menu.addAction(action)
            self.menu_actions[key] = action
        window.addAction(self.menu_actions["shortcuts"])

    def first_run(self) -> bool:
        """Start the tour if this user has never finished or skipped it; True when started."""
        if tour_seen():
            return False
        self.tour.start()
        return True

    @Slot(bool)
    def _tour_done(self, completed: bool) -> None:
        message = "Tour finished" if completed else "Tour skipped"
        status = getattr(self._window, "statusBar", None)
        if status is not None:
            status().showMessage(f"{message}: Help > Guided tour shows it again", 8000)

    def _dialog(self, key: str, title: str, text: str) -> TextDialog:
        if key not in self.dialogs:
            self.dialogs[key] = TextDialog(title, text, f"{key}Dialog", self._window)
        dialog = self.dialogs[key]
        dialog.show()
        dialog.raise_()
        return dialog

    @Slot()
    def show_shortcuts(self) -> TextDialog:
        return self._dialog("shortcuts", "Keyboard shortcuts", shortcuts_html(self._actions | self.menu_actions))

    @Slot()
    def show_glossary(self) -> TextDialog:
        return self._dialog("glossary", "Glossary of symbols", glossary_html())

    @Slot()
    def show_about(self) -> TextDialog:
        return self._dialog("about", "About Digit Lab", about_html())
