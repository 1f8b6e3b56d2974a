"""Digit Lab's entry point: the command line, the QApplication and ``main()``; composition only."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from types import TracebackType

from digitlab.model.blas import limit_blas_threads


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="digitlab",
        description="Digit Lab: draw a digit, train a hand-written NumPy network, watch backpropagation.",
    )
    p.add_argument("model", nargs="?", type=Path, help="a model file (.npz) to open instead of the last network")
    return p


def create_window(**kwargs):
    """The main window, built in-process (a QApplication must exist); not shown."""
    from digitlab.gui.main_window import MainWindow  # imported late: a QApplication must exist first

    return MainWindow(**kwargs)


def _report_unexpected(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """A bug reaches the user as a message, not only as a traceback in a terminal they never see."""
    from PySide6.QtWidgets import QApplication, QMessageBox

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
    """Start the app; ``argv`` without the program name (default: the command line's)."""
    args, qt_args = _parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.model is not None and not args.model.is_file():
        _parser().error(f"no such model file: {args.model}")
    limit_blas_threads(1)  # see model/blas.py
    from digitlab.gui.platform_check import missing_xcb_libraries, uses_xcb, xcb_problem

    if uses_xcb() and (missing := missing_xcb_libraries()):
        sys.stderr.write(xcb_problem(missing) + "\n")  # words, instead of Qt's plugin error
        return 1
    from PySide6.QtWidgets import QApplication  # after --help: usage needs no Qt

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Digit Lab")
    app.setOrganizationName("DigitLab")
    sys.excepthook = _report_unexpected
    window = create_window(model_path=args.model)
    window.show()
    window.help.first_run()  # the guided tour, once per user
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
