"""argparse's own words ("usage:", "options", "show this help message and exit", its errors) in
the current language.

argparse translates through Python's gettext domain 'argparse', with
`from gettext import gettext as _, ngettext` at the top of its module: its functions look `_` and
`ngettext` up in the module's globals each time they run, so pointing those two names at Palier's
catalog makes every word argparse prints follow `PALIER_LANG`, without shipping a compiled .mo for
a second domain (which `gettext` would pick by LANG/LANGUAGE, not by Palier's setting).

The msgids below are argparse's own (Python 3.11, the ones a user can meet: help, usage and
parse errors; programming errors such as conflicting option strings stay English). They are
marked here so that extraction puts them in Palier's catalog next to the rest.
"""

from __future__ import annotations

import argparse
from typing import Any

from analytics.i18n.catalog import N_, _, ngettext

ARGPARSE_MSGIDS: tuple[str, ...] = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unexpected option string: %s"),
)


def expected_arguments(count: int) -> str:
    """argparse's one plural message (a `nargs=N` option given too few values), here so that
    extraction finds it: ngettext("expected %s argument", "expected %s arguments", N)."""
    return ngettext("expected %s argument", "expected %s arguments", count)


def _argparse_gettext(message: Any) -> Any:
    """argparse's `_`: Palier's catalog for its words; anything else (None, a non-string title) as is."""
    return _(message) if isinstance(message, str) and message else message


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n)


def translate_argparse() -> None:
    """Make argparse speak the current language (idempotent; English is the msgid itself)."""
    argparse._ = _argparse_gettext  # type: ignore[attr-defined]
    argparse.ngettext = _argparse_ngettext  # type: ignore[attr-defined]
