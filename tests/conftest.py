"""Shared test setup: run Qt headless, keep settings and user data out of the real home folder
(a folder of its own for each test), and one BLAS thread as the app uses. Must run before anything
imports Qt."""

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# QSettings and platformdirs read these on Linux: a throwaway home for the whole session
_home = tempfile.mkdtemp(prefix="digitlab-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")

from digitlab.model.blas import limit_blas_threads  # noqa: E402

limit_blas_threads(1)

import pytest  # noqa: E402

from digitlab.model.data import MNIST, load_mnist  # noqa: E402


@pytest.fixture(autouse=True)
def own_settings_and_data(tmp_path_factory, monkeypatch):
    """Each test its own settings and data folders: a window's saved layout never leaks into the next."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    import sys

    if "PySide6.QtCore" in sys.modules:  # QSettings keeps the folder it first read: tell it again
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / "config"))
    return home


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    """The shipped MNIST, loaded once for the whole session."""
    return load_mnist()
