"""A throwaway home for a benchmark's window: its settings and data folders, not the user's.

The window restores its layout (which docks are open, the zoom, the theme) from ``QSettings`` and
saves it on closing: a benchmark run in the user's home would measure whatever layout the user last
left (a hidden network view draws nothing) and leave its own behind. Call ``use_fresh_home``
before the first ``QSettings`` is made (QSettings keeps the folder it first read).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def use_fresh_home(prefix: str) -> Path:
    """Point ``XDG_CONFIG_HOME`` and ``XDG_DATA_HOME`` (QSettings and platformdirs read them) at a new
    temporary folder, for this process and those it starts; returns the folder."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    return home
