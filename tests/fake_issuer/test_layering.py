"""The layout's rules, read from the source with ``ast``: who may import whom, and no import circles.

The rules: no circle among the modules of ``apiexample`` and ``fake_issuer``; ``fake_issuer``'s core
(its top-level modules but ``plugin``, ``cli`` and ``__main__``) imports no subpackage of its own;
``fake_issuer.policy`` imports only the core and itself; and within ``fake_issuer`` only
``fake_issuer.matrix.django_api`` imports ``apiexample``. Every import counts, also one inside a
function, except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("apiexample", "fake_issuer")
#: Top-level modules of fake_issuer that sit above the core: they may import anything.
ABOVE_CORE = {"fake_issuer.plugin", "fake_issuer.cli", "fake_issuer.__main__"}


def module_name(path: Path) -> str:
    """``fake_issuer/policy/oracle.py`` -> ``fake_issuer.policy.oracle``; a package is its folder's name."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of both packages, by dotted name."""
    return {module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` counts ``a.b`` if a module, else ``a``)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:  # a submodule by name, else the module the names come from
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    """Each module and the project modules it imports."""
    found = modules()
    return {name: imported(name, path, set(found)) for name, path in found.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle: each strongly connected set of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


GRAPH = import_graph()
#: The core: ``fake_issuer/__init__.py`` and the modules beside it, but for the plugin and the CLI.
CORE = {
    name for name, path in modules().items() if path.parent == ROOT / "fake_issuer" and name not in ABOVE_CORE
}


def is_core(name: str) -> bool:
    """A module of ``fake_issuer``'s core."""
    return name in CORE


def test_the_graph_sees_the_imports_it_must() -> None:
    # The checks below are only as good as the graph: a few imports everyone can see in the source.
    assert "fake_issuer.policy.oracle" in GRAPH["fake_issuer.policy.contract"]
    assert "fake_issuer.mocking" in GRAPH["fake_issuer.issuer"]  # imported inside start()
    assert "apiexample.auth" in GRAPH["fake_issuer.matrix.django_api"]
    assert "fake_issuer.server.http" in GRAPH["fake_issuer.plugin"]  # inside a method
    assert "fake_issuer.policy.api" not in GRAPH["fake_issuer.policy.drawing"]  # only if TYPE_CHECKING


def test_there_is_no_import_circle() -> None:
    assert circles(GRAPH) == []


def test_a_circle_would_be_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_subpackage_of_its_own() -> None:
    core = {name for name in GRAPH if is_core(name)}
    assert {"fake_issuer", "fake_issuer.issuer", "fake_issuer.keys", "fake_issuer.mocking"} <= core
    upward = {name: sorted(GRAPH[name] - core) for name in core if GRAPH[name] - core}
    assert upward == {}


def test_the_policy_package_imports_only_the_core() -> None:
    policy = {name for name in GRAPH if name.startswith("fake_issuer.policy")}
    outside = {name: sorted(GRAPH[name] - policy - {n for n in GRAPH if is_core(n)}) for name in policy}
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_only_the_matrix_adapter_imports_the_sample_api() -> None:
    importers = {
        name
        for name, targets in GRAPH.items()
        if name.startswith("fake_issuer") and any(target.startswith("apiexample") for target in targets)
    }
    assert importers == {"fake_issuer.matrix.django_api"}
