"""The Help menu's windows: the keyboard shortcuts, the glossary of symbols, and About.

Each is a small non-modal dialog with read-only rich text in a ``QTextBrowser`` (it scrolls, wraps
and follows the zoom level and the theme, as every other text does). The shortcuts are read from
the window's actions, so a changed shortcut is listed as it is; the keys that are not actions
(digit keys, right-drag) are added by hand.
"""

from __future__ import annotations

import html
from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

EXTRA_KEYS = (  # (keys, what they do): the canvas keys that are not actions
    ("0 – 9", "Keep the drawing as a sample of that digit (anywhere but in a text or number field)"),
    ("Delete", "Clear the canvas (like Esc); in Your samples: delete the selected samples"),
    ("Right-drag", "Erase on the canvas"),
)


def app_version() -> str:
    try:
        return version("digitlab")
    except PackageNotFoundError:
        return "unknown (not installed)"


def shortcuts_html(actions: dict[str, QAction]) -> str:
    rows = []
    for action in actions.values():
        keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        if keys:
            what = action.statusTip() or action.text().replace("&", "")
            rows.append((" or ".join(keys), what))
    rows += list(EXTRA_KEYS)
    body = "".join(f"<tr><td style='padding:2px 14px 2px 0; white-space:nowrap'><b>{html.escape(k)}</b></td>"
                   f"<td style='padding:2px 0'>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table cellspacing='0'>{body}</table>"


def about_html() -> str:
    return (f"<h3>Digit Lab {html.escape(app_version())}</h3>"
            "<p>See a neural network learn: draw a digit, train a multilayer perceptron written by hand in "
            "NumPy, and follow backpropagation step by step.</p>"
            "<p><b>Licences.</b> Digit Lab: MIT. MNIST: CC BY-SA 3.0. Qt for Python (PySide6): LGPL v3. "
            "pyqtgraph: MIT. NumPy: BSD. platformdirs, tqdm, threadpoolctl: MIT / MPL / BSD.</p>"
            "<p><b>MNIST</b> is the work of Yann LeCun, Corinna Cortes and Christopher J.C. Burges "
            "(yann.lecun.com/exdb/mnist), used under CC BY-SA 3.0.</p>"
            "<p>The notation and the four backpropagation equations follow Michael Nielsen's <i>Neural "
            "Networks and Deep Learning</i>; the network of the 3b1b preset is the one of 3Blue1Brown's "
            "lesson on neural networks.</p>")


class TextDialog(QDialog):
    """A titled, non-modal window of read-only rich text with a Close button."""

    def __init__(self, title: str, text: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.text = QTextBrowser(objectName=f"{name}Text", openExternalLinks=False)
        self.text.setHtml(text)
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.resize(min(60 * em, 900), min(40 * self.fontMetrics().height(), 640))
