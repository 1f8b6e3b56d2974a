"""Digit Lab GUI: PySide6 + pyqtgraph widgets; owns every widget, no maths (that lives in `model`)."""
