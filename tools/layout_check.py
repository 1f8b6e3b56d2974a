"""Find text the window cuts off: labels, buttons, tabs, combo boxes and group titles narrower than their text.

``clipped_texts(window)`` walks every visible ``QLabel``, ``QAbstractButton``, ``QGroupBox`` title,
``QComboBox``'s chosen item and ``QTabBar`` tab and returns a line for each whose text does not fit the room it has: a
one-line text wider than its contents rectangle, a word-wrapped one taller than it, or a widget
cut off by a parent (outside a scroll area's viewport horizontally, or outside the window). Used by
the layout tests and by ``tools.screenshots``; run from the repository, not installed.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionGroupBox,
    QTabBar,
    QToolButton,
    QWidget,
)

SLACK = 1  # px: rounding between a font's advance and the layout's integer sizes


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text.strip() or label.pixmap() is not None and not label.pixmap().isNull():
        return None
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    fm = label.fontMetrics()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and text.lstrip().startswith("<") and ">" in text)
    if rich:  # Qt's own measure of its document: what the label needs at its width
        need_h = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        need_w = 0 if label.wordWrap() else label.sizeHint().width()
        if need_w > label.width() + SLACK or need_h > label.height() + SLACK:
            return f"needs {need_w}x{need_h}, has {label.width()}x{label.height()}"
        return None
    if label.wordWrap():
        box = fm.boundingRect(QRect(0, 0, max(1, room.width()), 100_000),
                              int(Qt.TextFlag.TextWordWrap) | int(label.alignment()), text)
        if box.height() > room.height() + SLACK or box.width() > room.width() + SLACK:
            return f"wraps to {box.width()}x{box.height()}, has {room.width()}x{room.height()}"
        return None
    lines = text.split("\n")
    need_w = max(fm.horizontalAdvance(line) for line in lines)
    need_h = fm.height() * len(lines)
    if need_w > room.width() + SLACK or need_h > room.height() + SLACK + 2:
        return f"needs {need_w}x{need_h}, has {room.width()}x{room.height()}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = _plain(button.text())
    if not text.strip():
        return None
    if isinstance(button, (QCheckBox, QRadioButton, QToolButton)):
        need = button.sizeHint().width()  # indicator or icon + text: no style minimum in these hints
        if button.width() + SLACK < need:
            return f"needs {need} px, has {button.width()}"
        return None
    fm = QFontMetrics(button.font())
    need = fm.horizontalAdvance(text)
    if not button.icon().isNull():
        need += button.iconSize().width() + 4
    room = button.width() - 4 if isinstance(button, QPushButton) else button.contentsRect().width()  # the frame
    if need > room + SLACK:
        return f"needs {need} px of text, has {room}"
    return None


def _group_problem(box: QGroupBox) -> str | None:
    if not box.title():
        return None
    opt = QStyleOptionGroupBox()
    box.initStyleOption(opt)
    title = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, opt, QStyle.SubControl.SC_GroupBoxLabel, box)
    need = box.fontMetrics().horizontalAdvance(_plain(box.title()))
    if title.width() + SLACK < need or title.right() > box.width():
        return f"title needs {need} px, has {title.width()}"
    return None


def _tab_problems(bar: QTabBar) -> list[str]:
    out = []
    for i in range(bar.count()):
        text = _plain(bar.tabText(i))
        need = max(bar.fontMetrics().horizontalAdvance(text) + 4, bar.tabSizeHint(i).width())  # with the style's padding
        if bar.tabRect(i).width() + SLACK < need:
            out.append(f"tab {text!r} needs {need} px, has {bar.tabRect(i).width()}")
    return out


def _combo_problem(combo: QComboBox) -> str | None:
    """Whether the chosen item's text fits the field beside the arrow."""
    if combo.isEditable() or not combo.currentText():
        return None
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField,
                                         combo)
    need = combo.fontMetrics().horizontalAdvance(combo.currentText())
    if field.width() + SLACK < need:
        return f"needs {need} px of text, has {field.width()}"
    return None


def _cut_by_parent(widget: QWidget, window: QWidget) -> str | None:
    """Whether a parent cuts the widget off: None when it is whole, or wholly out of sight (a
    background tab, a row scrolled away), or cut only at the top or bottom by a scroll area."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    shown = rect.intersected(window.rect())
    scrolled = False
    parent = widget.parentWidget()
    while parent is not None and parent is not window and not shown.isEmpty():
        area = QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        shown = shown.intersected(area)
        scrolled = scrolled or isinstance(parent, QAbstractScrollArea)
        parent = parent.parentWidget()
    if shown.isEmpty() or shown == rect:
        return None
    if shown.width() + SLACK < rect.width():
        return f"cut at the side: {shown.width()} of {rect.width()} px shown"
    if not scrolled and shown.height() + SLACK < rect.height():
        return f"cut at the top or bottom: {shown.height()} of {rect.height()} px shown"
    return None


def _out_of_sight(widget: QWidget, window: QWidget) -> bool:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(window.rect()).isEmpty()


def _name(widget: QWidget, text: str) -> str:
    return f"{type(widget).__name__}({widget.objectName() or '-'}) {text[:50]!r}"


def clipped_texts(window: QWidget) -> list[str]:
    """One line per visible text the window cuts off (empty when every text fits)."""
    problems: list[str] = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.width() <= 0:
            continue
        if isinstance(w, QLabel):
            problem, text = _label_problem(w), w.text()
        elif isinstance(w, QAbstractButton):
            problem, text = _button_problem(w), w.text()
        elif isinstance(w, QGroupBox):
            problem, text = _group_problem(w), w.title()
        elif isinstance(w, QComboBox):
            problem, text = _combo_problem(w), w.currentText()
        elif isinstance(w, QTabBar):
            problems.extend(_name(w, p) for p in _tab_problems(w))
            continue
        else:
            continue
        if text.strip():
            cut = _cut_by_parent(w, window)
            if cut is None and _out_of_sight(w, window):
                continue  # a background tab, a row scrolled away: nothing of it on screen
            problem = problem or cut
        if problem is not None:
            problems.append(f"{_name(w, text)}: {problem}")
    return problems




def _ground(widget: QWidget) -> QColor:
    """The colour behind a widget: its own when it fills its background, else its nearest filled parent's."""
    w = widget
    while w is not None:
        if w.autoFillBackground() or w.isWindow():
            return w.palette().color(w.backgroundRole())
        w = w.parentWidget()
    return widget.palette().color(QPalette.ColorRole.Window)


def low_contrast_texts(window: QWidget, ratio: float = 4.5) -> list[str]:
    """One line per visible, enabled label or button whose text colour is under ``ratio`` against its ground
    (WCAG 2.1 contrast; disabled controls are exempt, as WCAG exempts inactive components)."""
    from digitlab.gui.appearance.contrast import contrast_ratio, over

    problems = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or not w.isEnabled() or _out_of_sight(w, window):
            continue
        if isinstance(w, QLabel):
            if not w.text().strip() or (w.pixmap() is not None and not w.pixmap().isNull()):
                continue
            text, ground = w.palette().color(w.foregroundRole()), _ground(w)
        elif isinstance(w, QPushButton | QToolButton):
            if not w.text().strip():
                continue
            text, ground = w.palette().color(QPalette.ColorRole.ButtonText), w.palette().color(QPalette.ColorRole.Button)
        elif isinstance(w, QCheckBox | QRadioButton | QGroupBox):
            text, ground = w.palette().color(QPalette.ColorRole.WindowText), _ground(w)
        else:
            continue
        r = contrast_ratio(over(text, ground), ground)
        if r < ratio:
            label = w.text() if hasattr(w, "text") else w.title()
            problems.append(f"{_name(w, label)}: {text.name()} on {ground.name()} is {r:.2f}:1")
    return problems


__all__ = ["clipped_texts", "low_contrast_texts"]
