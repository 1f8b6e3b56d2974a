"""The main window's commands as ``QAction``s, and the menus that list them.

Each action is made once, with its shortcut shown in its tooltip, and shared: the menus here, the
buttons of the draw and training panels (which take the same dict) and the window's shortcuts all
trigger the same object, so enabling or renaming one (``MainWindow._update_run_controls``) changes
it everywhere. What the commands do is the window's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar

if TYPE_CHECKING:
    from digitlab.gui.main_window import MainWindow


def make_actions(window: MainWindow) -> dict[str, QAction]:
    """The window's actions by name (the name is also each action's object name)."""
    specs = {
        # key: (text, shortcut, tip, slot)
        "train": ("&Train", "Ctrl+T", "Start training; while training, pause or resume", window.toggle_training),
        "stop": ("S&top", "Ctrl+.", "Stop training and keep the network as it is now", window.stop_training),
        "step": ("&1 step", "Ctrl+1", "Do exactly one backprop step, then pause", window.step_once),
        "new_network": ("&New network", "Ctrl+N", "Fresh random weights in the layers shown", window.new_network),
        "open": ("&Open...", QKeySequence.StandardKey.Open, "Open a model file (.npz)", window.open_model),
        "save": ("&Save...", QKeySequence.StandardKey.Save, "Save the network to a model file (.npz)",
                 window.save_model),
        "clear": ("&Clear", "Esc", "Clear the canvas (also Delete)", window.clear_canvas),
        "undo": ("&Undo stroke", QKeySequence.StandardKey.Undo, "Take back the last stroke", window.undo_stroke),
        "eraser": ("&Eraser", "E", "Erase with the left button (the right button always erases)",
                   window.toggle_eraser),
        "quit": ("&Quit", "Ctrl+Q", "Close Digit Lab", window.close),
    }
    actions: dict[str, QAction] = {}
    for key, (text, shortcut, tip, slot) in specs.items():
        action = QAction(text, window)
        action.setObjectName(key)
        action.setShortcut(QKeySequence(shortcut))
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        actions[key] = action
    actions["eraser"].setCheckable(True)
    return actions


def build_menus(bar: QMenuBar, actions: dict[str, QAction], docks: dict[str, QDockWidget]) -> QMenu:
    """File, Draw, Training and View menus on ``bar``; returns the View menu (one entry per dock)."""
    file_menu = bar.addMenu("&File")
    for key in ("open", "save", "new_network", "quit"):
        file_menu.addAction(actions[key])
    draw_menu = bar.addMenu("&Draw")
    for key in ("clear", "undo", "eraser"):
        draw_menu.addAction(actions[key])
    train_menu = bar.addMenu("T&raining")
    for key in ("train", "step", "stop"):
        train_menu.addAction(actions[key])
    view_menu = bar.addMenu("&View")
    for dock in docks.values():
        view_menu.addAction(dock.toggleViewAction())
    return view_menu
