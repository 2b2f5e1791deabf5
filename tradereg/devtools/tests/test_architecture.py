"""The app dependency rules of decision 0010, checked on the source with `ast`.

Every module under ``tradereg/`` except tests and migrations is parsed; an import of
``tradereg.<app>`` from a module of another app is an edge ``app → <app>``. The rules:
the apps form no cycle, runtime code imports at module level only (a function-level
import hides a cycle instead of removing it), and the runtime apps import neither the
site shell (``core``) nor the development tools (``devtools``). An import needed only for
type hints is still a dependency, so it counts too.
"""

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import tradereg

ROOT = Path(tradereg.__file__).resolve().parent
PACKAGE = "tradereg"
SITE_SHELL = "core"
DEVTOOLS = "devtools"
TOP_LEVEL = {SITE_SHELL, DEVTOOLS}

# Function-level imports that are genuinely needed: (module path under tradereg/, the
# top-level package it may import lazily). Never an app of ours: that would hide a cycle.
LAZY_IMPORT_ALLOWED = {
    # WeasyPrint takes ~0.6 s to import; only rendering a PDF needs it, not every process
    # (web, worker, each manage.py command) that loads the printing URLs.
    ("printing/pdf.py", "weasyprint"),
}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository root, for file:line messages
    line: int
    source_app: str | None  # None for project modules such as settings.py and urls.py
    target: str  # the absolute module imported, e.g. "tradereg.filings.models"
    in_function: bool

    @property
    def target_app(self) -> str | None:
        parts = self.target.split(".")
        if parts[0] != PACKAGE or len(parts) < 2 or not (ROOT / parts[1]).is_dir():
            return None
        return parts[1]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _is_runtime_module(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return not (
        "tests" in parts
        or "migrations" in parts
        or path.name == "conftest.py"
        or path.name.startswith("test_")
    )


def _modules() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py") if _is_runtime_module(path))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module of ``from … import``, relative forms included."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.module = _module_name(path)
        self.is_package = path.name == "__init__.py"
        parts = path.relative_to(ROOT).parts
        self.app = parts[0] if len(parts) > 1 else None
        self.depth = 0
        self.found: list[Import] = []

    def _add(self, node: ast.AST, target: str) -> None:
        self.found.append(
            Import(
                path=str(self.path.relative_to(ROOT.parent)),
                line=node.lineno,
                source_app=self.app,
                target=target,
                in_function=self.depth > 0,
            )
        )

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(self.module, self.is_package, node)
        if base == PACKAGE:
            # `from tradereg import filings` imports the app itself.
            for alias in node.names:
                self._add(node, f"{PACKAGE}.{alias.name}")
        else:
            self._add(node, base)

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("tradereg.x") is an import that the statements miss.
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if (
            name in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self._add(node, node.args[0].value)
        self.generic_visit(node)


def _imports() -> list[Import]:
    found = []
    for path in _modules():
        visitor = _ImportVisitor(path)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(visitor.found)
    return found


IMPORTS = _imports()


def _app_edges() -> dict[tuple[str, str], list[Import]]:
    """(from app, to app) → the imports that make that edge."""
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in IMPORTS:
        target = item.target_app
        if item.source_app and target and target != item.source_app:
            edges[(item.source_app, target)].append(item)
    return edges


def _graph(edges: dict[tuple[str, str], list[Import]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    return graph


def _tangled_groups(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of two or more apps (Tarjan): each holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def _cycle_through(graph: dict[str, set[str]], group: set[str], start: str) -> list[str]:
    """The shortest way from ``start`` back to itself inside its group, e.g. [a, b, a]."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & group):
                if successor == start:
                    return [*paths[node], start]
                if successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # every member of a group has one


def _cycles(graph: dict[str, set[str]], group: set[str]) -> list[list[str]]:
    """A shortest cycle through each app of the group, each cycle listed once."""
    cycles, seen = [], set()
    for start in sorted(group):
        cycle = _cycle_through(graph, group, start)
        key = frozenset(zip(cycle, cycle[1:], strict=False))
        if key not in seen:
            seen.add(key)
            cycles.append(cycle)
    return cycles


def test_the_scan_sees_the_apps_and_their_imports():
    """Guards the other tests against passing because they looked at nothing."""
    apps = {item.source_app for item in IMPORTS}
    assert {"filings", "registry", "accounts", SITE_SHELL, DEVTOOLS} <= apps
    assert ("filings", "regions") in _app_edges() or ("filings", "authorities") in _app_edges()


def test_no_import_cycle_between_apps():
    edges = _app_edges()
    graph = _graph(edges)
    problems = []
    for group in _tangled_groups(graph):
        problems.extend(" → ".join(cycle) for cycle in _cycles(graph, group))
        for source, target in sorted(edges):
            if {source, target} <= group:
                examples = ", ".join(item.where for item in edges[(source, target)][:3])
                problems.append(f"    {source} → {target}: {examples}")
    assert not problems, "apps import each other in a cycle:\n" + "\n".join(problems)


def _receivers_connected(item: Import) -> bool:
    """An app's own module imported in its AppConfig.ready(): how Django connects signal
    receivers once the models are loaded; within one app, so it hides no cycle."""
    return item.path.endswith("/apps.py") and item.target_app == item.source_app


def test_no_import_inside_a_function():
    lazy = [
        f"{item.where} imports {item.target}"
        for item in IMPORTS
        if item.in_function
        and not _receivers_connected(item)
        and (item.path.removeprefix(f"{PACKAGE}/"), item.target.split(".")[0])
        not in LAZY_IMPORT_ALLOWED
    ]
    assert not lazy, "imports belong at the top of the module:\n" + "\n".join(lazy)


def test_the_lazy_import_allowlist_holds_nothing_stale():
    used = {
        (item.path.removeprefix(f"{PACKAGE}/"), item.target.split(".")[0])
        for item in IMPORTS
        if item.in_function
    }
    stale = LAZY_IMPORT_ALLOWED - used
    assert not stale, f"no longer imported lazily, remove from LAZY_IMPORT_ALLOWED: {stale}"


def test_runtime_apps_import_neither_the_site_shell_nor_devtools():
    wrong = [
        f"{item.where} ({item.source_app}) imports {item.target}"
        for item in IMPORTS
        if item.source_app is not None
        and item.source_app not in TOP_LEVEL
        and item.target_app in TOP_LEVEL
    ]
    assert not wrong, "runtime code depends on core or devtools:\n" + "\n".join(wrong)


def test_only_devtools_imports_devtools():
    """The site shell and the project modules (settings, urls) run in production too."""
    wrong = [
        f"{item.where} imports {item.target}"
        for item in IMPORTS
        if item.source_app != DEVTOOLS and item.target_app == DEVTOOLS
    ]
    assert not wrong, "production code imports the development tools:\n" + "\n".join(wrong)
