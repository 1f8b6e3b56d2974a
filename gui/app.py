"""Digit Lab's entry point: the QApplication and ``main()``; composition only."""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from model.blas import limit_blas_threads


def create_window(**kwargs):
    """The main window, built in-process (a QApplication must exist); not shown."""
    from gui.main_window import MainWindow  # imported late: a QApplication must exist first

    return MainWindow(**kwargs)


def _report_unexpected(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """A bug reaches the user as a message, not only as a traceback in a terminal they never see."""
    traceback.print_exception(kind, error, tb)  # the details, for a bug report
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "Digit Lab: something went wrong",
                      f"{kind.__name__}: {error}\n\nYour drawings and samples are kept; the details "
                      "are in the terminal output.", QMessageBox.StandardButton.Ok,
                      QApplication.activeWindow())
    box.setObjectName("unexpectedErrorBox")
    box.open()


def main(argv: list[str] | None = None) -> int:
    limit_blas_threads(1)  # see model/blas.py
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Digit Lab")
    app.setOrganizationName("DigitLab")
    sys.excepthook = _report_unexpected
    window = create_window()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
