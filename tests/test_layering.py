"""The layers stay apart: a test, so a stray import fails CI instead of review."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYTICS = ROOT / "analytics"

# module prefix -> packages it must not import
# The store's write path: the loader (ingest), the migrations, how lists are written (spells),
# the account ledger's erasure and the analysis step. metrics/ only reads (issue 13).
STORE_WRITERS = ("analytics.ingest", "analytics.analysis", "analytics.store.migrations", "analytics.store.spells",
                 "analytics.store.accounts")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "analytics.store": ("streamlit", "plotly", "analytics.ingest", "analytics.metrics", "analytics.charts",
                        "analytics.analysis", "analytics.collect", "analytics.export", "analytics.meetups",
                        "analytics.ui"),
    "analytics.ingest": ("streamlit", "plotly", "analytics.metrics", "analytics.charts",
                         "analytics.ui", "analytics.analysis"),
    "analytics.metrics": ("streamlit", "plotly", "analytics.charts", "analytics.ui",
                          *STORE_WRITERS),
    "analytics.analysis": ("streamlit", "plotly", "analytics.charts", "analytics.ui",
                           "analytics.ingest", "analytics.export"),
    "analytics.charts": ("streamlit", "duckdb", "analytics.store", "analytics.ingest",
                         "analytics.ui", "analytics.analysis"),
    "analytics": ("streamlit",),
}
ONLY_STREAMLIT_IMPORTER = "analytics.ui"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(module: str, imported: set[str]) -> list[str]:
    if module == ONLY_STREAMLIT_IMPORTER or module.startswith(ONLY_STREAMLIT_IMPORTER + "."):
        return []
    rules = [banned for prefix, banned in FORBIDDEN.items() if module == prefix or module.startswith(prefix + ".")]
    found = []
    for banned in (b for rule in rules for b in rule):
        found += [name for name in imported if name == banned or name.startswith(banned + ".")]
    return sorted(set(found))


@pytest.mark.parametrize("path", sorted(ANALYTICS.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_lower_layers_do_not_import_upper_ones(path: Path) -> None:
    module = _module_name(path)
    assert _violations(module, _imports(path)) == []


def test_the_rule_catches_a_streamlit_import() -> None:
    assert _violations("analytics.metrics.followers", {"streamlit"}) == ["streamlit"]
    assert _violations("analytics.ui.widgets", {"streamlit"}) == []
    assert _violations("analytics.ui_helpers", {"streamlit"}) == ["streamlit"]


def test_data_folder_holds_no_python() -> None:
    # Streamlit puts the entry file's folder first on sys.path: a data/ package would shadow.
    assert list((ROOT / "data").rglob("*.py")) == []


def test_pages_hold_no_sql_and_no_driver() -> None:
    for page in sorted((ROOT / "pages").glob("*.py")):
        imported = _imports(page)
        assert not any(name == "duckdb" or name.startswith("duckdb.") for name in imported), page
        text = page.read_text(encoding="utf-8")
        assert "SELECT " not in text and "INSERT " not in text, page


def test_pages_start_without_the_topic_model_libraries() -> None:
    # scikit-learn and SciPy take about a second to import: a server's first page (and every
    # page that fits no topic) must not wait for them. In a fresh interpreter, since this test
    # process may have imported them already.
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import analytics.ui.reads, analytics.ui.widgets, analytics.ui.gate, analytics.charts.overview, analytics.charts.growth, analytics.charts.churn\n"
        "import analytics.charts.audience, analytics.metrics.audience\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip().splitlines()[-1] == "[]", found.stderr[-2000:]


# --- Import cycles -------------------------------------------------------------------------------
# A cycle inside analytics/ only works through imports placed inside functions (or looked up by
# name), which hides the real order of the layers: every import counts here, at module level or in
# a function, and importlib.import_module with a literal name; `if TYPE_CHECKING:` imports do not
# (they never run).


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every module name `tree` imports when it runs (candidates: `from a import b` gives a and a.b)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "import_module"))):
            found.add(node.args[0].value)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module -> the modules of `sources` it imports; `sources` maps a module name to its text and
    whether it is a package's __init__."""
    graph: dict[str, set[str]] = {}
    for module, (text, is_package) in sources.items():
        names = _runtime_imports(ast.parse(text), module, is_package)
        graph[module] = {name for name in names if name in sources and name != module}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted: every cycle is in one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups)


def _analytics_sources() -> dict[str, tuple[str, bool]]:
    return {_module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
            for path in sorted(ANALYTICS.rglob("*.py"))}


def test_analytics_has_no_import_cycle() -> None:
    assert import_cycles(import_graph(_analytics_sources())) == []


def test_the_cycle_check_finds_a_planted_cycle() -> None:
    planted = {
        "pkg": ("", True),
        "pkg.reader": ("import duckdb\n\ndef read():\n    from pkg.writer import write\n    return write()\n", False),
        "pkg.writer": ("import importlib\nhelper = importlib.import_module('pkg.reader')\n", False),
        "pkg.typed": (textwrap.dedent("""\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkg import reader
            from . import leaf
            """), False),
        "pkg.leaf": ("from pkg import typed\n", False),
    }
    graph = import_graph(planted)
    assert graph["pkg.reader"] == {"pkg.writer"} and graph["pkg.writer"] == {"pkg.reader"}
    assert graph["pkg.typed"] == {"pkg", "pkg.leaf"}  # the type-only import left out, the relative one resolved
    assert import_cycles(graph) == [["pkg.leaf", "pkg.typed"], ["pkg.reader", "pkg.writer"]]
    planted["pkg.leaf"] = ("", False)
    planted["pkg.writer"] = ("import duckdb\n", False)
    assert import_cycles(import_graph(planted)) == []


def test_metrics_never_imports_the_store_write_path() -> None:
    # Function-level imports count too: a reader must not run a write, even lazily.
    graph = import_graph(_analytics_sources())
    for module, imported in graph.items():
        if module.startswith("analytics.metrics"):
            writers = sorted(n for n in imported if any(n == w or n.startswith(w + ".") for w in STORE_WRITERS))
            assert writers == [], module
    assert _violations("analytics.metrics.audience", {"analytics.analysis"}) == ["analytics.analysis"]
    assert _violations("analytics.metrics.kept", {"analytics.store.migrations"}) == ["analytics.store.migrations"]
