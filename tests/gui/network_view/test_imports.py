"""The network view's modules import one way and share no private names (issue #9, "One house")."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.import_graph import ROOT, cycles, import_graph

PACKAGE = "gui/network_view"


def test_the_network_view_has_no_import_cycles():
    edges = import_graph([PACKAGE])  # type-checking imports count too
    assert ("digitlab.gui.network_view.view", "digitlab.gui.network_view.diagram") in edges  # it read them
    assert cycles(edges) == []
    assert all(not imported.endswith(".view") for _, imported in edges)  # no part knows the view
    for part in ("diagram", "tiles", "input_image"):  # each reads the state instead
        assert (f"digitlab.gui.network_view.{part}", "digitlab.gui.network_view.state") in edges


def test_modules_import_no_private_names_from_each_other():
    for path in sorted((ROOT / PACKAGE).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("digitlab"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{Path(path).name} imports {private} from {node.module}"


def test_the_state_is_no_widget():
    tree = ast.parse((ROOT / PACKAGE / "state.py").read_text(encoding="utf-8"))
    qt = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and "PySide6" in (node.module or "")}
    assert qt == {"PySide6.QtCore"}  # a QObject for its signals, nothing drawn
