"""The main window's commands as ``QAction``s, and the menus that list them.

Each action is made once, with its shortcut shown in its tooltip, and shared: the menus here, the
buttons of the draw and training panels (which take the same dict) and the window's shortcuts all
trigger the same object, so enabling or renaming one changes it everywhere. The actions are
requests: what they do is connected by the window that routes them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar


def make_actions(parent: QObject) -> dict[str, QAction]:
    """The window's actions by name (the name is also each action's object name)."""
    specs = {
        # key: (text, shortcut, tip)
        "train": ("&Train", "Ctrl+T", "Start training; while training, pause or resume"),
        "stop": ("S&top", "Ctrl+.", "Stop training and keep the network as it is now"),
        "step": ("&1 step", "Ctrl+1", "Do exactly one backprop step, then pause"),
        "new_network": ("&New network", "Ctrl+N", "Fresh random weights in the layers shown"),
        "open": ("&Open...", QKeySequence.StandardKey.Open, "Open a model file (.npz)"),
        "save": ("&Save...", QKeySequence.StandardKey.Save, "Save the network to a model file (.npz)"),
        "clear": ("&Clear", "Esc", "Clear the canvas (also Delete)"),
        "undo": ("&Undo stroke", QKeySequence.StandardKey.Undo, "Take back the last stroke"),
        "eraser": ("&Eraser", "E", "Erase with the left button (the right button always erases)"),
        "quit": ("&Quit", "Ctrl+Q", "Close Digit Lab"),
    }
    actions: dict[str, QAction] = {}
    for key, (text, shortcut, tip) in specs.items():
        action = QAction(text, parent)
        action.setObjectName(key)
        action.setShortcut(QKeySequence(shortcut))
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
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
