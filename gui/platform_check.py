"""Before Qt starts on Linux: are the system libraries of Qt's X11 (xcb) platform plugin there?

A fresh Debian or Ubuntu lacks a few of them (libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1...), and
Qt then aborts with "Could not load the Qt platform plugin "xcb"", which says nothing a learner can act
on. ``missing_xcb_libraries`` runs ``ldd`` on the plugin and on Qt's xcb library and returns the
libraries the loader cannot find; ``xcb_problem`` words it as one message with the ``apt-get`` line.
Left out: other distributions' package names (the library names are said) and Wayland sessions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# library -> Debian/Ubuntu package
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-util.so.1": "libxcb-util1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6", "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
}
# everything a fresh Debian/Ubuntu desktop may lack for PySide6 6.x's xcb plugin (the README's line)
APT_LINE = ("sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
            "libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 "
            "libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3")


def uses_xcb(environ: dict[str, str] | None = None) -> bool:
    """Whether Qt will try the xcb plugin: Linux, no other platform asked for, not a Wayland session."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux"):
        return False
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def _xcb_binaries() -> list[Path]:
    import PySide6

    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    return [p for p in (qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*")))
            if p.exists()]


def missing_xcb_libraries(ldd_output: str | None = None) -> list[str]:
    """The libraries ``ldd`` reports "not found" for the xcb plugin (empty when all are there, or
    when it cannot tell: no ``ldd``, no plugin)."""
    if ldd_output is None:
        ldd = shutil.which("ldd")
        binaries = _xcb_binaries()
        if ldd is None or not binaries:
            return []
        try:
            ldd_output = subprocess.run([ldd, *map(str, binaries)], capture_output=True, text=True,
                                        timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
    missing = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition("=>")
        if "not found" in where and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def xcb_problem(missing: list[str]) -> str:
    """One message: what is missing, and the line that installs it on Debian or Ubuntu."""
    packages = [PACKAGES.get(m, m) for m in missing]
    return (f"Digit Lab cannot open its window: Qt's X11 support needs system libraries that are missing "
            f"({', '.join(missing)}).\nOn Debian or Ubuntu: sudo apt-get install {' '.join(packages)}\n"
            f"(everything Qt's X11 support may need: {APT_LINE})")
