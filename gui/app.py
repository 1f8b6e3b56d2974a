"""Digit Lab's entry point: the QApplication and ``main()``; composition only."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from model.blas import limit_blas_threads


def create_window(**kwargs):
    """The main window, built in-process (a QApplication must exist); not shown."""
    from gui.main_window import MainWindow  # imported late: a QApplication must exist first

    return MainWindow(**kwargs)


def main(argv: list[str] | None = None) -> int:
    limit_blas_threads(1)  # see model/blas.py
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Digit Lab")
    app.setOrganizationName("DigitLab")
    window = create_window()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
