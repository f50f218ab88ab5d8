"""The command line in PALIER_LANG's language, argparse's own words included (issue #20 item 1).

argparse prints "usage:", "options", "show this help message and exit" and its errors through
gettext's 'argparse' domain; analytics.i18n.argparse_words points them at Palier's catalog.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import build_parser, main
from analytics.i18n import use_language
from analytics.i18n.argparse_words import ARGPARSE_MSGIDS, translate_argparse
from analytics.i18n.tools import extract

ROOT = Path(__file__).resolve().parent.parent
ENGLISH_ONLY = ("usage:", "positional arguments", "show this help message", "the following arguments are required",
                "invalid choice", "error:")


def _help(language: str, *command: str) -> str:
    with use_language(language):
        translate_argparse()
        parser = build_parser()
        if command:
            # The subcommand's own parser, as `python -m analytics import --help` prints it.
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            return str(sub.choices[command[0]].format_help())
        return parser.format_help()


def _error(language: str, *argv: str) -> str:
    err = io.StringIO()
    with use_language(language), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as stopped:
        translate_argparse()
        build_parser().parse_args(list(argv))
    assert stopped.value.code == 2
    return err.getvalue()


def test_argparse_words_are_extracted_with_the_rest() -> None:
    code = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    assert set(ARGPARSE_MSGIDS) <= code
    assert "expected %s argument" in code  # argparse's one plural


def test_french_help_has_no_english_word_of_argparse() -> None:
    for command in ((), ("import",), ("report",), ("collect",), ("check-losses",)):
        text = _help("fr", *command)
        assert text.startswith("utilisation : python -m analytics"), text
        assert "options\u00a0:" in text and "afficher ce message d’aide et quitter" in text
        for word in ENGLISH_ONLY:
            assert word not in text, (command, word)
    assert "--account COMPTE" in _help("fr", "import") and "AAAA-MM-JJ" in _help("fr", "report")


def test_english_help_is_argparse_s_own() -> None:
    text = _help("en", "import")
    assert text.startswith("usage: python -m analytics import")
    assert "options:" in text and "show this help message and exit" in text and "--account ACCOUNT" in text


@pytest.mark.parametrize(
    ("argv", "french", "english"),
    [
        (["import", "x.csv"], "erreur : les arguments suivants sont obligatoires : --account",
         "error: the following arguments are required: --account"),
        (["frob"], "erreur : argument COMMANDE : choix invalide : 'frob'", "error: argument COMMAND: invalid choice: 'frob'"),
        (["report", "--account", "a", "--from", "12/01/2026"], "argument --from : attendu une date AAAA-MM-JJ",
         "argument --from: expected a date YYYY-MM-DD"),
    ],
)
def test_argparse_errors_in_the_language(argv: list[str], french: str, english: str) -> None:
    in_french = _error("fr", *argv)
    assert french in in_french and in_french.startswith("utilisation : ")
    assert english in _error("en", *argv)


def test_a_real_run_follows_palier_lang(tmp_path: Path) -> None:
    env = {**os.environ, "PALIER_DEMO": "0", "PALIER_LANG": "fr_FR.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "stats", "--db", str(tmp_path / "s.duckdb")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "python -m analytics stats : erreur : les arguments suivants sont obligatoires : --account" in done.stderr
    helped = subprocess.run([sys.executable, "-m", "analytics", "--help"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert helped.returncode == 0 and "commandes\u00a0:" in helped.stdout and "usage" not in helped.stdout


def test_main_sets_the_hook_without_changing_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_LANG", "en")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["accounts", "--db", str(tmp_path / "e.duckdb")]) == 0
    assert out.getvalue().startswith("No account yet")
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]
