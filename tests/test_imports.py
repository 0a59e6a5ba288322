"""The package's import graph has no cycles: every module can be read on its own.

The graph is built from the ``import`` statements of every module under
``sklstm/`` (those inside functions too, since a lazy import is still a
dependency), then searched for strongly connected components.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklstm"


def _module_name(path, package):
    parts = path.with_suffix("").relative_to(package.parent).parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package=PACKAGE):
    """``{module: {modules it imports}}`` for the modules of ``package``."""
    paths = {_module_name(p, package): p for p in package.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in paths)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    # "from . import x" imports the module x where there is one
                    submodule = f"{target}.{alias.name}"
                    edges.add(submodule if submodule in paths else target)
        graph[name] = {m for m in edges if m in paths and m != name}
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("def f():\n    from .b import g\n    return g\n")
    (package / "b.py").write_text("from . import a\n")
    (package / "c.py").write_text("from .a import f\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]


def test_sklstm_has_no_import_cycle():
    graph = import_graph()
    assert "sklstm.base" in graph and "sklstm.nn.cells" in graph
    assert cycles(graph) == []


@pytest.mark.parametrize("module", ["sklstm.hierarchy", "sklstm.base", "sklstm.persistence"])
def test_no_module_imports_the_package(module):
    # a module that imports the package itself closes a cycle through __init__
    assert "sklstm" not in import_graph()[module]
