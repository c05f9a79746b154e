"""The arrows between the knowledge service's packages: the HTTP layer (knowledge/api/) sits on top and
nothing below imports it, and no module imports itself back through others."""
from __future__ import annotations

import ast
import graphlib
from pathlib import Path

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def modules() -> dict[str, Path]:
    out = {}
    for path in KNOWLEDGE.rglob("*.py"):
        parts = path.relative_to(KNOWLEDGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(path: Path, known: dict[str, Path], at_load_only: bool) -> set[str]:
    """The knowledge modules `path` imports; with `at_load_only`, those imported when it is loaded
    (not inside functions or `if TYPE_CHECKING:`)."""
    found: set[str] = set()

    def add(module: str, names: list[str]) -> None:
        found.update(m for m in [module, *(f"{module}.{n}" for n in names)] if m in known)

    def walk(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, [])
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                add(node.module, [a.name for a in node.names])
            elif at_load_only and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            elif at_load_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            else:
                walk(ast.iter_child_nodes(node))

    walk(ast.parse(path.read_text(), str(path)).body)
    return found


def test_nothing_below_the_http_layer_imports_it():
    known = modules()
    upward = {name: sorted(m for m in imports(path, known, at_load_only=False) if m.startswith("knowledge.api"))
              for name, path in known.items() if not name.startswith("knowledge.api")}
    assert {name: found for name, found in upward.items() if found} == {}


def test_no_import_circle():
    known = modules()
    graph = {name: imports(path, known, at_load_only=True) - {name} for name, path in known.items()}
    assert "knowledge.live" in graph["knowledge.publishing"]  # the scan sees the imports
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import circle: {' → '.join(exc.args[1])}") from None
