"""model/ is pure NumPy: it must be usable from a script or a notebook with no Qt at all."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "model"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6", "digitlab.gui")


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_no_model_module_imports_qt_or_the_gui() -> None:
    offenders = []
    for path in sorted(MODEL.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if _forbidden(n)]
    assert not offenders
    assert len(list(MODEL.glob("*.py"))) > 5  # the scan saw the package


def test_importing_every_model_module_loads_no_qt() -> None:
    modules = [p.stem for p in MODEL.glob("*.py") if not p.stem.startswith("__")]
    code = (
        "import sys\n"
        + "".join(f"import digitlab.model.{m}\n" for m in modules)
        + f"bad = [m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        + "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=MODEL.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
