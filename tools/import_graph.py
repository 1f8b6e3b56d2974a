"""``python -m tools.import_graph gui [model ...]``: the import graph of a folder's modules, and its cycles.

Reads every ``.py`` file under the folders given (with ``ast``; nothing is imported), names each
module as installed (``gui/network_view/view.py`` is ``digitlab.gui.network_view.view``, from
``pyproject.toml``'s ``package-dir``) and prints one line per import between those modules,
``a -> b``, marked ``(type-checking)`` when it sits under ``if TYPE_CHECKING:``. Then it prints
every cycle (each strongly connected component of more than one module, or a module importing
itself) and exits 1 if there is one, else 0.

A cycle through a ``TYPE_CHECKING`` import counts too: it does not fail at run time, but it is
the same tangle (a part that names its owner's type). ``--runtime`` leaves those imports out.

Left out: imports from outside the folders given (the standard library, NumPy, Qt, other
sub-packages not listed), dynamic imports (``importlib``), and a package's ``__init__`` being
imported implicitly on the way to one of its modules.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_dirs(root: Path = ROOT) -> dict[str, str]:
    """Folder -> installed package name, e.g. ``{"gui": "digitlab.gui"}`` (from ``pyproject.toml``)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the project's layout as it stands
        return {"gui": "digitlab.gui", "model": "digitlab.model", "assets": "digitlab.assets"}
    with open(root / "pyproject.toml", "rb") as f:
        mapping = tomllib.load(f).get("tool", {}).get("setuptools", {}).get("package-dir", {})
    return {folder: name for name, folder in mapping.items()}


def module_names(folders: Iterable[str], root: Path = ROOT) -> dict[str, Path]:
    """Installed module name -> file, for every ``.py`` under ``folders`` (relative to ``root``)."""
    dirs = package_dirs(root)
    modules = {}
    for folder in folders:
        folder = folder.strip("/")
        top = folder.split("/")[0]
        prefix = dirs.get(top, top)
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / top).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([prefix, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":``: code that runs only when the module is run as a script, never
    when it is imported, so its imports are no edge of the import graph."""
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, bool]]:
    """Every (imported name, under TYPE_CHECKING) in a module; ``from a import b`` gives ``a.b``
    (the caller walks a name up to the longest module it knows: ``a.b`` if b is a module, else ``a``)."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_main_guard(child.test):
                continue
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit_stmt(stmt, True)
                for stmt in child.orelse:
                    visit_stmt(stmt, typing_only)
            else:
                visit_stmt(child, typing_only)

    def visit_stmt(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 more
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            found.extend((f"{base}.{alias.name}", typing_only) for alias in node.names)
        else:
            visit(node, typing_only)

    visit(tree, False)
    return found


def import_graph(folders: Iterable[str], root: Path = ROOT, runtime: bool = False) -> dict[tuple[str, str], bool]:
    """Edges (importer, imported) between the modules under ``folders`` -> whether only for type checking."""
    modules = module_names(folders, root)
    edges: dict[tuple[str, str], bool] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: dict[str, bool] = {}
        for target, typing_only in _imports(tree, name, path.name == "__init__.py"):
            if runtime and typing_only:
                continue
            # ``from pkg import mod`` names the module; ``from mod import f`` names mod (not mod.f)
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets[target] = targets.get(target, True) and typing_only
        for target, typing_only in targets.items():
            edges[(name, target)] = typing_only
    return edges


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with a cycle (Tarjan's algorithm), each sorted, largest first."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:  # recursive: module graphs are shallow
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(found, key=lambda c: (-len(c), c))


def shortest_cycle(edges: Iterable[tuple[str, str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as the path a -> ... -> a."""
    inside = set(component)
    graph: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        if a in inside and b in inside:
            graph.setdefault(a, []).append(b)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:  # breadth first, so the first way back to start is a shortest one
        following = []
        for v in frontier:
            for w in graph.get(v, []):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    return [start]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.import_graph", description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", help="folders of the repository to read, e.g. gui or gui/network_view")
    parser.add_argument("--runtime", action="store_true", help="leave out imports under TYPE_CHECKING")
    parser.add_argument("--quiet", action="store_true", help="print only the cycles")
    args = parser.parse_args(argv)
    edges = import_graph(args.folders, runtime=args.runtime)
    if not args.quiet:
        for (a, b), typing_only in sorted(edges.items()):
            print(f"{a} -> {b}" + ("   (type-checking)" if typing_only else ""))
    found = cycles(edges)
    for component in found:
        print("cycle: " + " -> ".join(shortest_cycle(edges, component))
              + (f"   (one of a tangle of {len(component)}: {', '.join(component)})" if len(component) > 2 else ""))
    print(f"{len(edges)} imports between {len({m for e in edges for m in e})} modules, {len(found)} cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
