"""Palier's command line: import, accounts, delete, demo, stats, collect.

Exit codes: 0 done, 2 bad input or a store problem (the message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import settings
from analytics.collect.arguments import add_check_losses_parser, add_collect_parser
from analytics.errors import PalierError, StoreBusyError
from analytics.i18n import N_, _, format_number, ngettext, set_language
from analytics.i18n.argparse_words import translate_argparse

if TYPE_CHECKING:
    from analytics.store import Store

# Each command imports what it uses when it runs: the importers, the analysis, the metrics and
# pandas take about a second to load, which the daily `import` of a list (a second or two of
# work) and `accounts` should not pay for what they do not use (#16: a next day's import is
# measured as a whole process against DuckDB's own read of the file).

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class CliError(PalierError):
    pass


def _json_safe(value: Any) -> Any:
    """NaN, infinity and pandas' missing values become null: JSON has no NaN."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    # pandas is loaded only by the commands whose figures come from frames: a value can be one of
    # its missing markers only once it is.
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return value


def strict_json(value: Any, indent: int | None = None) -> str:
    """Strict JSON (RFC 8259) for every --json output: unknown is null, never NaN or Infinity."""
    return json.dumps(_json_safe(value), ensure_ascii=False, allow_nan=False, indent=indent)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a date YYYY-MM-DD, found {text}").format(text=repr(text))) from None


def _followers_on(text: str) -> tuple[dt.date, int]:
    day, sep, count = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(_("expected YYYY-MM-DD=N, found {text}").format(text=repr(text)))
    try:
        value = int(count.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a whole number of followers after '=', found {count}").format(count=repr(count))
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("a follower total cannot be negative ({value})").format(value=value))
    return _date(day), value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description=_("Palier: local-first follower analytics."))
    db_help = _("the store file (default: ${env} or {default})").format(env=settings.DB_PATH.env, default=settings.DB_PATH.default)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None, metavar=_("FILE"), help=db_help)
    sub = parser.add_subparsers(dest="command", required=True, title=_("commands"), metavar=_("COMMAND"))

    imp = sub.add_parser("import", parents=[common], help=_("import export files, zips or folders"))
    imp.add_argument("paths", nargs="+", type=Path, metavar=_("PATH"), help=_("export files, zips or folders"))
    imp.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account to import into (created if new)"))
    imp.add_argument("--platform", metavar=_("PLATFORM"), help=_("x, instagram, linkedin, bluesky or mastodon (detected when omitted)"))
    imp.add_argument("--snapshot-date", type=_date, metavar=_("YYYY-MM-DD"), help=_("date of follower lists that do not say theirs"))
    imp.add_argument(
        "--followers-on", type=_followers_on, action="append", default=[], metavar=_("YYYY-MM-DD=N"),
        help=_("a follower total on a day (repeatable): anchors the follower curve"),
    )

    acc = sub.add_parser("accounts", parents=[common], help=_("list accounts"))
    acc.add_argument("--json", action="store_true", help=_("as JSON"))

    delete = sub.add_parser("delete", parents=[common], help=_("delete an account and everything derived from it"))
    delete.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account to delete"))

    sub.add_parser(
        "compact", parents=[common],
        help=_("rewrite the store file without its free blocks (space DuckDB keeps for later writes)"),
    )

    demo = sub.add_parser("demo", parents=[common], help=_("load the demo account"))
    demo.add_argument("--if-empty", action="store_true", help=_("only when the store has no account"))

    stats = sub.add_parser("stats", parents=[common], help=_("an account's figures"))
    stats.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account"))
    stats.add_argument("--json", action="store_true", help=_("as JSON"))

    analyse = sub.add_parser("analyse", parents=[common], help=_("bring the audience analysis up to date (after imports)"))
    analyse.add_argument("--account", metavar=_("ACCOUNT"), help=_("one account (default: every account)"))
    analyse.add_argument("--force", action="store_true", help=_("analyse every profile again and refit the topics"))

    report = sub.add_parser("report", parents=[common], help=_("an account's growth, churn and activity report"))
    report.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account"))
    report.add_argument("--json", action="store_true", help=_("as one line of JSON (default: indented)"))
    report.add_argument(
        "--html", type=Path, metavar=_("FILE"),
        help=_("write a self-contained HTML report (interactive charts, works offline) to FILE"),
    )
    report.add_argument("--from", dest="start", type=_date, default=None, metavar=_("YYYY-MM-DD"), help=_("the period's first day"))
    report.add_argument("--to", dest="end", type=_date, default=None, metavar=_("YYYY-MM-DD"), help=_("the period's last day"))
    report.add_argument(
        "--with-people", action="store_true",
        help=_("with --html: also list who joined and who left by name (personal data: off by default)"),
    )

    hashpw = sub.add_parser(
        "hash-password", help=_("make the hash of a sign-in password for secrets.toml (the password is never stored)")
    )
    hashpw.add_argument("--iterations", type=int, default=None, help=_("PBKDF2 iterations (default: 600,000)"))

    parquet = sub.add_parser(
        "export-parquet", parents=[common],
        help=_("write the whole store as Parquet (Hive-style folders by account and month) for DuckDB, Trino, Spark"),
    )
    parquet.add_argument("directory", type=Path, metavar=_("FOLDER"), help=_("the folder to write (each table's folder is replaced)"))

    add_collect_parser(sub, common)
    add_check_losses_parser(sub, common)
    return parser


QUEUED = N_(
    "The store {path} is still in use by another Palier process after {wait:g} s: the import is queued in "
    "{job}. The process holding the store imports it as soon as it can (the dashboard within seconds of its "
    "last use, a command when it ends) and notes the outcome in {log}."
)


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else settings.db_path()


def _open(args: argparse.Namespace) -> Store:
    """The store, waited for (PALIER_STORE_WAIT seconds) while another Palier process holds it."""
    from analytics.pending import open_waiting

    return open_waiting(_store_path(args), settings.seconds(settings.STORE_WAIT))


def _queue_import(args: argparse.Namespace) -> int:
    """The store stayed busy: queue the import beside it for whichever process holds it."""
    from analytics.ingest.service import ImportOptions
    from analytics.pending import APPLIED_LOG, hand_over, queue_import

    path = _store_path(args)
    options = ImportOptions(
        account=args.account, platform=args.platform, snapshot_date=args.snapshot_date, followers_on=dict(args.followers_on)
    )
    job = queue_import(path, list(args.paths), options)
    wait = settings.seconds(settings.STORE_WAIT)
    print(_(QUEUED).format(path=path, wait=wait, job=job, log=job.parent / APPLIED_LOG))
    # The store may have become free while the files were copied: then import them now.
    for line in hand_over(path):
        print(line)
    return EXIT_OK


def _release(store: Store) -> None:
    """Apply what other processes queued while this one held the store, then close it."""
    from analytics.pending import release

    for line in release(store):
        print(line, file=sys.stderr)


def cmd_import(args: argparse.Namespace, store: Store) -> int:
    from analytics.ingest.service import ImportOptions, import_sources, read_paths

    options = ImportOptions(
        account=args.account,
        platform=args.platform,
        snapshot_date=args.snapshot_date,
        followers_on=dict(args.followers_on),
    )
    outcomes = import_sources(store, read_paths(args.paths), options)
    failed = False
    for outcome in outcomes:
        if outcome.status == "failed":
            failed = True
            print(outcome.line(), file=sys.stderr)
        else:
            print(outcome.line())
    return EXIT_BAD_INPUT if failed else EXIT_OK


def cmd_accounts(args: argparse.Namespace, store: Store) -> int:
    from analytics.store.accounts import list_accounts

    frame = list_accounts(store)
    rows = [
        {"name": r.name, "platform": r.platform, "handle": r.handle, "imports": int(r.imports)}
        for r in frame.itertuples()
    ]
    if args.json:
        print(strict_json(rows))
    elif not rows:
        print(_("No account yet: import a file with `python -m analytics import PATH --account NAME`."))
    else:
        for row in rows:
            imports = ngettext("{count} import", "{count} imports", row["imports"]).format(count=row["imports"])
            print(f"{row['name']}\t{row['platform'] or '-'}\t{row['handle'] or '-'}\t{imports}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, store: Store) -> int:
    from analytics.store.accounts import delete_account

    delete_account(store, args.account)
    print(_("Deleted account {account} and everything imported into it.").format(account=repr(args.account)))
    return EXIT_OK


def cmd_compact(args: argparse.Namespace, store: Store) -> int:
    before = store.path.stat().st_size
    store.compact()
    after = store.path.stat().st_size
    print(
        _("Compacted {path}: {before} MB -> {after} MB.").format(
            path=store.path, before=format_number(before / 1e6, 1), after=format_number(after / 1e6, 1)
        )
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, store: Store) -> int:
    from analytics.demo import load_demo, store_is_empty

    if args.if_empty and not store_is_empty(store):
        print(_("The store already has data: demo not loaded."))
        return EXIT_OK
    outcomes = load_demo(store)
    imported = sum(1 for o in outcomes if o.status == "imported")
    print(
        _("Demo account 'demo' loaded: {imported} files imported, {already} already there.").format(
            imported=imported, already=len(outcomes) - imported
        )
    )
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, store: Store) -> int:
    from analytics.metrics.overview import account_stats
    from analytics.store.accounts import require_account

    cursor = store.cursor()
    try:
        account = require_account(cursor, args.account)
        figures = account_stats(cursor, account.account_id, account.name)
    finally:
        cursor.close()
    if args.json:
        print(strict_json(figures))
    else:
        for section, values in figures.items():
            if isinstance(values, dict):
                print(section + ": " + ", ".join(f"{k}={v}" for k, v in values.items()))
            else:
                print(f"{section}: {values}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace, store: Store) -> int:
    if args.html is not None:
        return _report_html(args, store)
    from analytics.analysis import analyse_if_writable
    from analytics.metrics.report import account_report
    from analytics.store.accounts import require_account

    cursor = store.cursor()
    try:
        account = require_account(cursor, args.account)
        analyse_if_writable(store, account.account_id)  # the audience figures read what the analysis kept
        figures = account_report(cursor, account.account_id, account.name, args.start, args.end)
    finally:
        cursor.close()
    if args.json:
        print(strict_json(figures))
    else:
        print(strict_json(figures, indent=2))
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace, store: Store) -> int:
    """The audience analysis step (analytics.analysis), one line per account."""
    from analytics.analysis import refresh_features
    from analytics.store.accounts import list_accounts, require_account

    cursor = store.cursor()
    try:
        if args.account:
            ids = [require_account(cursor, args.account).account_id]
        else:
            ids = [int(a) for a in list_accounts(store)["account_id"]]
    finally:
        cursor.close()
    for account_id in ids:
        print(refresh_features(store, account_id, force=args.force).line(), flush=True)
    return EXIT_OK


def _report_html(args: argparse.Namespace, store: Store) -> int:
    from analytics.export.html_report import build_report

    target: Path = args.html
    # Written beside the target then renamed: a report being read is never half-written. The file
    # is opened before the report is built, so a folder that is missing or not writable is said at
    # once, not after seconds of charts.
    partial = target.with_name(target.name + ".part")
    try:
        out = partial.open("w", encoding="utf-8")
    except OSError as exc:
        raise CliError(_("cannot write the report to {target}: {reason}").format(target=target, reason=exc.strerror or exc)) from None
    try:
        with out:
            cursor = store.cursor()
            try:
                page = build_report(cursor, args.account, people=args.with_people, start=args.start, end=args.end)
            finally:
                cursor.close()
            out.write(page)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(_("cannot write the report to {target}: {reason}").format(target=target, reason=exc.strerror or exc)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    people = _("with the names of who joined and left") if args.with_people else _("figures and charts only, no names")
    print(
        _("Wrote {target} ({size} MB, {people}).").format(
            target=target, size=format_number(len(page.encode("utf-8")) / 1e6, 1), people=people
        )
    )
    return EXIT_OK


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Prompt twice on a terminal (nothing echoed); read one line from a pipe (scripts)."""
    import getpass

    from analytics.access import DEFAULT_ITERATIONS, hash_password

    if sys.stdin.isatty():
        password = getpass.getpass(_("Password: "))
        if getpass.getpass(_("Again: ")) != password:
            raise CliError(_("the two passwords differ"))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        encoded = hash_password(password, iterations=args.iterations or DEFAULT_ITERATIONS)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(encoded)
    print(
        _("Put it in .streamlit/secrets.toml under [palier], as owner_password_hash or viewer_password_hash."),
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_export_parquet(args: argparse.Namespace, store: Store) -> int:
    from analytics.export.parquet import export_parquet

    for exported in export_parquet(store, args.directory):
        rows = ngettext("{count} row", "{count} rows", exported.rows).format(count=exported.rows)
        by = _(" by {columns}").format(columns=", ".join(exported.partitions)) if exported.partitions else ""
        print(f"{exported.table}: {rows} -> {exported.folder}{by}")
    return EXIT_OK


def _check_losses(args: argparse.Namespace, store: Store) -> int:
    from analytics.collect.command import run_check_losses

    return run_check_losses(args, store)


COMMANDS = {"import": cmd_import, "accounts": cmd_accounts, "delete": cmd_delete, "compact": cmd_compact, "demo": cmd_demo,
            "stats": cmd_stats, "report": cmd_report, "export-parquet": cmd_export_parquet, "analyse": cmd_analyse,
            "check-losses": _check_losses}


def main(argv: Sequence[str] | None = None) -> int:
    # The command line speaks PALIER_LANG's language (en or fr, also fr_FR.UTF-8), English by default.
    set_language(None)
    translate_argparse()  # argparse's own words (usage, options, its errors) in that language too
    args = build_parser().parse_args(argv)
    try:
        if args.command == "hash-password":
            return cmd_hash_password(args)  # needs no store
        if args.command == "collect":
            # The store is opened only once the followers are fetched, for the write: a fetch
            # can take minutes and must not hold the store's lock meanwhile.
            from analytics.collect.command import run_collect

            return run_collect(args, lambda: _open(args))
        try:
            store = _open(args)
        except StoreBusyError:
            if args.command != "import":
                raise  # a read or a deletion cannot wait in a queue: say the store is busy
            return _queue_import(args)
        try:
            return COMMANDS[args.command](args, store)
        finally:
            _release(store)
    except PalierError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
