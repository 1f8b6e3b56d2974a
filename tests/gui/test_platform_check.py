"""On a Linux without Qt's X11 libraries, the app says what is missing and how to install it."""

from __future__ import annotations

import pytest

from digitlab.gui import app, platform_check
from digitlab.gui.platform_check import missing_xcb_libraries, uses_xcb, xcb_problem

LDD = """/venv/PySide6/Qt/plugins/platforms/libqxcb.so:
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
/venv/PySide6/Qt/lib/libQt6XcbQpa.so.6:
\tlibxcb-icccm.so.4 => not found
"""


def test_the_missing_libraries_are_read_from_ldd_and_named_with_their_packages() -> None:
    missing = missing_xcb_libraries(LDD)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    message = xcb_problem(missing)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in message
    assert missing_xcb_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)") == []


@pytest.mark.skipif(not platform_check.sys.platform.startswith("linux"), reason="xcb is Linux's")
def test_only_an_x11_start_is_checked() -> None:
    assert uses_xcb({"DISPLAY": ":0"})
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})


def test_main_says_what_is_missing_instead_of_starting_qt(monkeypatch, capsys) -> None:
    monkeypatch.setattr(platform_check, "uses_xcb", lambda: True)
    monkeypatch.setattr(platform_check, "missing_xcb_libraries", lambda: ["libxcb-keysyms.so.1"])
    assert app.main([]) == 1
    err = capsys.readouterr().err
    assert "missing (libxcb-keysyms.so.1)" in err and "apt-get install libxcb-keysyms1" in err
