"""Classes of English left in a French page (issue #20 item 4), caught from the code itself.

- Every text handed to a Streamlit element (a title, a caption, a label, a help, a tab's
  name) in pages/ and analytics/ui goes through `_()`: a bare literal or an f-string with words
  in it is English in every language (AST check).
- Method constants and other texts marked `N_` are shown through `_()`: a module constant marked
  N_ never reaches a Streamlit element bare.
- A function of a module that translates with `_` never assigns `_` itself (`platform, _ = ...`
  turned every later `_()` of that function into a call of a string).
- Method texts with thresholds come in the reader's language with the reader's numbers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.i18n import use_language

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "analytics" / "ui").glob("*.py")) + [ROOT / "app.py"]
SOURCE_FILES = UI_FILES + sorted(p for p in (ROOT / "analytics").rglob("*.py") if "ui" not in p.relative_to(ROOT).parts)

# Streamlit elements that show a text given as their first argument or as these keywords.
ELEMENTS = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning", "error", "success",
    "toast", "metric", "button", "download_button", "link_button", "page_link", "text_input", "text_area",
    "number_input", "selectbox", "multiselect", "radio", "checkbox", "toggle", "date_input", "time_input",
    "file_uploader", "expander", "popover", "spinner", "status", "form_submit_button", "segmented_control",
    "pills", "slider", "select_slider", "tabs", "Page",
}
TEXT_KEYWORDS = {"label", "help", "placeholder", "body", "title", "caption"}
WORDS = re.compile(r"[A-Za-z]{3,}")
# Literals that are not prose: Streamlit's markup and file names.
NOT_PROSE = re.compile(r"^(:material/\w+:|[\w./-]+\.(py|png|csv|html|json|zip)|Palier|Bluesky|Mastodon|X|UTC|PNG|CSV|Lyon)$")
# Loggers share some method names with Streamlit (info, warning, error): their lines are not shown.
LOGGERS = {"log", "logger", "logging"}


def _prose(node: ast.expr) -> str | None:
    """The English a node hands over as is: a literal with words, or an f-string's literal words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return text if WORDS.search(text) and not NOT_PROSE.match(text) else None
    if isinstance(node, ast.JoinedStr):
        literal = " ".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return literal if WORDS.search(literal) else None
    if isinstance(node, (ast.List, ast.Tuple)):
        found = [_prose(element) for element in node.elts]
        return next((text for text in found if text), None)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _prose(node.left) or _prose(node.right)
    if isinstance(node, ast.IfExp):
        return _prose(node.body) or _prose(node.orelse)
    if isinstance(node, ast.BoolOp):  # `reason or "Not enough data."`
        return next((text for text in map(_prose, node.values) if text), None)
    return None


def _shown_texts(path: Path) -> Iterator[tuple[int, ast.expr]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ELEMENTS):
            continue
        if isinstance(node.func.value, ast.Name) and node.func.value.id in LOGGERS:
            continue
        if node.args:
            yield node.lineno, node.args[0]
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                yield node.lineno, keyword.value


def test_every_text_a_page_shows_goes_through_the_catalog() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in UI_FILES
        for line, node in _shown_texts(path)
        if (text := _prose(node))
    ]
    assert bare == [], "English handed to Streamlit without _(): wrap it and add its French"


def _n_constants(tree: ast.Module) -> set[str]:
    """Module constants whose value is marked N_(...) (or a dict of N_ values)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            marked = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "N_"
            if marked:
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_no_constant_marked_for_translation_reaches_a_page_bare() -> None:
    marked: set[str] = set()
    for path in SOURCE_FILES:
        marked |= _n_constants(ast.parse(path.read_text(encoding="utf-8")))
    assert {"RATE_METHOD", "CHURN_METHOD", "PEOPLE_HIDDEN", "READ_ONLY"} <= marked
    bare = []
    for path in UI_FILES:
        for line, node in _shown_texts(path):
            inner = node.value if isinstance(node, ast.Attribute) else node
            name = node.attr if isinstance(node, ast.Attribute) else (inner.id if isinstance(inner, ast.Name) else None)
            if name in marked:
                bare.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert bare == [], "an N_ constant shown without _()"


def test_no_function_that_translates_rebinds_the_underscore() -> None:
    shadowing = []
    for path in SOURCE_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = [n for n in ast.walk(function) if n is not function]
            assigns = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in body
                          if not isinstance(n, ast.comprehension))
            comprehension_only = all(
                any(t is n for c in ast.walk(function) if isinstance(c, ast.comprehension) for t in ast.walk(c.target))
                for n in body if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
            )
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in body)
            if assigns and calls and not comprehension_only:
                shadowing.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name}")
    assert shadowing == []


@pytest.mark.parametrize(
    ("method", "french", "numbers"),
    [
        ("analytics.metrics.plateaus:plateau_method", "Paliers :", ["20\u00a0%", "0,1\u00a0%"]),
        ("analytics.metrics.plateaus:purge_method", "Jours de purge :", ["28 jours"]),
        ("analytics.metrics.growth:projection_method", "Projection :", ["1,96"]),
        ("analytics.metrics.textfit:cluster_method", "Les bios", ["50\u202f000"]),
        ("analytics.metrics.quality:quality_method_v2", "Règles v2", ["Avatar par défaut"]),
    ],
)
def test_methods_read_in_french_with_french_numbers(method: str, french: str, numbers: list[str]) -> None:
    module_name, function_name = method.split(":")
    module = __import__(module_name, fromlist=[function_name])
    with use_language("fr"):
        text = getattr(module, function_name)()
    with use_language("en"):
        english = getattr(module, function_name)()
    assert text.startswith(french), text[:80]
    for number in numbers:
        assert number in text, (number, text)
    assert english == getattr(module, function_name.upper().replace("_METHOD", "") + "_METHOD", english)


def _is_title(node: ast.expr | None) -> bool:
    """A literal written as a column title (capitalised words); data columns are lower_case."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value[:1].isupper() \
        and bool(WORDS.search(node.value))


def _column_titles(path: Path) -> Iterator[tuple[int, str]]:
    """Literal column titles: the keys of a dict handed to pd.DataFrame or as column_config, and
    the new names of a `rename(columns=...)`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        dicts: list[ast.expr] = []
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "DataFrame" and node.args:
            dicts.append(node.args[0])
        dicts += [k.value for k in node.keywords if k.arg == "column_config"]
        for table in dicts:
            if isinstance(table, ast.Dict):
                yield from ((key.lineno, key.value) for key in table.keys if _is_title(key))  # type: ignore[union-attr]
        for keyword in node.keywords:
            if name == "rename" and keyword.arg == "columns" and isinstance(keyword.value, ast.Dict):
                yield from ((value.lineno, value.value) for value in keyword.value.values if _is_title(value))  # type: ignore[attr-defined]


def test_table_columns_are_titled_in_the_readers_language() -> None:
    bare = [f"{path.relative_to(ROOT)}:{line}: {title!r}" for path in UI_FILES for line, title in _column_titles(path)]
    assert bare == [], "a table column titled in English whatever the language"
