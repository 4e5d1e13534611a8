"""The construct package's modules import downward: no cycle among them, and relu never imports build."""

import ast
from pathlib import Path

import depthsep.construct


def _imports(path: Path, package: str) -> set[str]:
    """The depthsep.construct modules a construct module imports, inside functions included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(f"{package}.{node.module}")
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update(f"{package}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package + "."):
            found.add(node.module)
    return found


def test_construct_modules_import_downward():
    package = depthsep.construct.__name__
    folder = Path(depthsep.construct.__file__).parent
    graph = {f"{package}.{p.stem}": _imports(p, package) for p in folder.glob("*.py") if p.stem != "__init__"}
    state = {}

    def visit(module, path):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", " -> ".join(path + [module])
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            visit(imported, path + [module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert f"{package}.build" not in graph[f"{package}.relu"]
