"""No import cycle between the modules of ``app/`` (issue 16): every ``import`` counts, those at
the top of a module and those written inside functions alike (an import inside a function only
hides a cycle until that function runs), and so do those under ``if TYPE_CHECKING:`` (a cycle
the type checker needs is still two modules that know each other). Only the blueprint imports
inside ``create_app``, the factory that wires every package together, do not count."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imports(path: Path, modules: dict[str, Path], name: str) -> set[str]:
    """The app modules ``path`` imports, anywhere in it (for the package ``app`` itself, only at
    the top: create_app imports every blueprint)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
        is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if name == "app" and is_function:
            return
        for child in ast.iter_child_nodes(node):
            visit(child, top and not is_function)

    visit(tree, True)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = _module_names()
    return {name: _imports(path, modules, name) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
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

    for vertex in sorted(graph):
        if vertex not in index:
            strong(vertex)
    return sorted(found)


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert graph["app.observations.routes"], "the parser found no import at all"
    assert "app.extensions" in graph["app.observations.models"]


def test_no_import_cycle_in_app():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_core_imports_no_feature_package():
    features = {
        "accountability", "accounts", "admin", "api", "comments", "deadlines", "demo", "inbox",
        "institutions", "mail", "main", "moderation", "notifications", "observations", "open311",
        "opendata", "programs", "territory",
    }  # fmt: skip
    graph = import_graph()
    wrong = {
        module: sorted(m for m in imported if m.split(".")[1:2] and m.split(".")[1] in features)
        for module, imported in graph.items()
        if module.startswith("app.core")
    }
    wrong = {module: imported for module, imported in wrong.items() if imported}
    assert not wrong, wrong
