"""The house's rules, checked: no import cycles, only the composition root imports the main window."""

from __future__ import annotations

from tools.import_graph import cycles, import_graph


def test_gui_and_model_have_no_import_cycles() -> None:
    edges = import_graph(["gui", "model"])  # type-checking imports count too
    assert ("digitlab.gui.main_window", "digitlab.gui.training.session") in edges  # it read them
    assert cycles(edges) == []


def test_no_module_but_the_entry_point_imports_the_main_window() -> None:
    importers = {a for a, b in import_graph(["gui", "model"]) if b == "digitlab.gui.main_window"}
    assert importers == {"digitlab.gui.app"}


def test_nothing_in_model_imports_the_gui() -> None:
    assert not [(a, b) for a, b in import_graph(["model"]) if b.startswith("digitlab.gui")]
