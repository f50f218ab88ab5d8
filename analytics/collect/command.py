"""`python -m analytics collect`: one collection now, or one per interval in the foreground.

    python -m analytics collect --account me --bluesky me.bsky.social
    python -m analytics collect --account me --mastodon @me@mastodon.social --every 24h

Without `--every` it collects once and prints a one-line summary (errors go through the CLI's
usual `error: ...` and exit code 2). With `--every` it collects at once, then once per interval
until Ctrl-C (exit 0); a failed round is reported on stderr and tried again at the next one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from analytics import settings
from analytics.collect.arguments import DEFAULT_RATE
from analytics.collect.bluesky import fetch_bluesky
from analytics.collect.fetched import Fetched, store_fetched
from analytics.collect.http import Clock, CollectError, HttpClient, HttpPolicy, Sleep
from analytics.collect.losses import check_losses
from analytics.collect.mastodon import fetch_mastodon
from analytics.errors import PalierError, StoreBusyError, StoreError
from analytics.i18n import N_, _, format_number, ngettext
from analytics.ingest.service import Outcome
from analytics.ingest.summary import replaced_parts
from analytics.pending import APPLIED_LOG, hand_over, queue_collection, queue_folder
from analytics.store import Store, open_store
from analytics.store.accounts import require_account
from analytics.store.accounts import today as utc_today

EXIT_OK = 0
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

QUEUED = N_(
    "; the store could not be opened ({reason}), so they are queued in {job}: the Palier process holding the "
    "store stores them as soon as it can (the dashboard within seconds of its last use, a command when it "
    "ends), and notes it in {log}."
)
QUEUED_AND_STORED = N_("; the store was busy, so they were queued, then stored as soon as it was free: {lines}")


@dataclass
class Result:
    fetched: Fetched
    outcome: Outcome
    day: dt.date
    queued: Path | None = None  # the queue's job, when the store could not take the write
    applied: list[str] = field(default_factory=list)  # what this process applied after queuing

    def line(self, account: str) -> str:
        fetched = self.fetched
        platform = "Bluesky" if fetched.platform == "bluesky" else "Mastodon"
        text = ngettext(
            "{account}: {count} follower of {handle} collected from {platform} for {day}",
            "{account}: {count} followers of {handle} collected from {platform} for {day}",
            fetched.followers,
        ).format(account=account, count=format_number(fetched.followers), handle=fetched.handle, platform=platform,
                 day=self.day)
        if fetched.expected is not None:
            text += _(" (the profile says {count})").format(count=format_number(fetched.expected))
        pages = ngettext("{count} page", "{count} pages", fetched.pages).format(count=format_number(fetched.pages))
        requests = ngettext("{count} request", "{count} requests", fetched.requests).format(
            count=format_number(fetched.requests))
        text += _(", {pages} in {requests}").format(pages=pages, requests=requests)
        if self.queued is not None:
            if self.applied:
                return text + _(QUEUED_AND_STORED).format(lines=" ".join(self.applied))
            folder = self.queued.parent
            return text + _(QUEUED).format(reason=self.outcome.error, job=self.queued, log=folder / APPLIED_LOG)
        if self.outcome.status == "unchanged":
            return text + _("; identical to import #{import_id} of today: nothing changed.").format(
                import_id=self.outcome.import_id)
        text += _("; stored as import #{import_id}").format(import_id=self.outcome.import_id)
        # From the import's figures, in the line's language (its summary's words differ by language).
        replaced = replaced_parts(self.outcome.facts) if self.outcome.facts is not None else []
        return text + (f" ({replaced[0]})" if replaced else "") + "."


class ProgressPrinter:
    """Progress on stderr: a line rewritten in place on a terminal, a line per ~10% elsewhere
    (cron mail), and nothing for short lists."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())
        self._last_step = -1
        self._shown = False
        self._last: tuple[int, int | None] = (0, None)
        self._last_printed: tuple[int, int | None] | None = None

    def __call__(self, fetched: int, expected: int | None) -> None:
        self._last = (fetched, expected)
        if not self.interactive and (expected if expected is not None else fetched) < 2000:
            return
        if self.interactive:
            self.stream.write("\r" + self._line(fetched, expected))
            self._shown = True
        else:
            step = fetched * 10 // expected if expected else fetched // 10_000
            if step <= self._last_step:
                return
            self._last_step = step
            self.stream.write(self._line(fetched, expected) + "\n")
        self._last_printed = (fetched, expected)
        self.stream.flush()

    def _line(self, fetched: int, expected: int | None) -> str:
        if expected is None:
            return _("{label}: {count} followers").format(label=self.label, count=format_number(fetched))
        return _("{label}: {count} / {expected} followers").format(
            label=self.label, count=format_number(fetched), expected=format_number(expected))

    def done(self, storing: bool) -> None:
        """End the progress display; a long list also says it is now being stored (which takes a while)."""
        if not self.interactive and self._last_printed is not None and self._last_printed != self._last:
            self.stream.write(self._line(*self._last) + "\n")
        if self._shown:
            self.stream.write("\n")
            self._shown = False
        if storing and self._last_printed is not None:
            self.stream.write(_("{label}: storing {count} followers…").format(
                label=self.label, count=format_number(self._last[0])) + "\n")
        self.stream.flush()


def _target(args: argparse.Namespace) -> tuple[str, str]:
    return ("bluesky", args.bluesky) if args.bluesky else ("mastodon", args.mastodon)


def fetch(
    args: argparse.Namespace, day: dt.date, *, sleep: Sleep, clock: Clock, wall: Clock,
    progress: Callable[[int, int | None], None] | None,
) -> Fetched:
    platform, handle = _target(args)
    client = HttpClient(_policy(args, platform), sleep=sleep, clock=clock, wall=wall)
    fetcher = fetch_bluesky if platform == "bluesky" else fetch_mastodon
    return fetcher(handle, client, day, api_url=args.api_url, progress=progress)


def collect_once(
    args: argparse.Namespace,
    store: Store | Callable[[], Store],
    *,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    wall: Clock = time.time,
    today: Callable[[], dt.date] = utc_today,
    stderr: TextIO | None = None,
) -> Result:
    """Fetch everything, then store it as one import; raises PalierError having stored nothing.

    `store` may be a function opening the store: it is then called only once the fetch is
    done, and the store closed after the write, so the file is held for seconds, not minutes."""
    day = today()
    printer = None if args.quiet else ProgressPrinter(stderr or sys.stderr, _target(args)[1])
    try:
        fetched = fetch(args, day, sleep=sleep, clock=clock, wall=wall, progress=printer)
    except BaseException:
        if printer:
            printer.done(storing=False)
        raise
    if printer:
        printer.done(storing=True)
    try:
        if isinstance(store, Store):
            result = Result(fetched, store_fetched(store, args.account, fetched, day), day)
            check_after_collect(args, store, result, sleep=sleep, clock=clock, wall=wall, stderr=stderr)
            return result
        opened = store()  # the CLI's opener waits PALIER_STORE_WAIT seconds for a busy store
        try:
            result = Result(fetched, store_fetched(opened, args.account, fetched, day), day)
            check_after_collect(args, opened, result, sleep=sleep, clock=clock, wall=wall, stderr=stderr)
            return result
        finally:
            opened.close()
    except StoreError as exc:
        # Typically another Palier process held the store for longer than we waited. What was
        # fetched cannot be fetched back later (it is today's list): queue it for the holder.
        path = store.path if isinstance(store, Store) else store_path(args)
        job = queue_collection(path, args.account, fetched, day)
        applied = hand_over(path)
        reason = str(exc).split(" (", 1)[0] if isinstance(exc, StoreBusyError) else str(exc)
        outcome = Outcome(job.name, "queued", error=reason)
        return Result(fetched, outcome, day, queued=job, applied=applied)


def store_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if getattr(args, "db", None) else settings.db_path()


def _policy(args: argparse.Namespace, platform: str) -> HttpPolicy:
    return HttpPolicy(
        timeout=args.timeout,
        requests_per_second=args.rate if args.rate is not None else DEFAULT_RATE[platform],
        retries=args.retries,
    )


def check_after_collect(
    args: argparse.Namespace, store: Store, result: Result, *, sleep: Sleep, clock: Clock, wall: Clock,
    stderr: TextIO | None,
) -> None:
    """One pass over the followers who left since the previous list: why did they? A failure is
    reported and the collection kept (it is stored; `check-losses` can ask again later)."""
    platform, _handle = _target(args)
    client = HttpClient(_policy(args, platform), sleep=sleep, clock=clock, wall=wall)
    try:
        checked = check_losses(store, args.account, client, api_url=args.api_url)
    except PalierError as exc:
        print(_(LOSSES_NOT_CHECKED) + " " + str(exc), file=stderr or sys.stderr, flush=True)
        return
    if checked.note is None and sum(checked.verdicts.values()) != 0 and not args.quiet:
        print(checked.line(), file=stderr or sys.stderr, flush=True)


LOSSES_NOT_CHECKED = N_("The list is stored, but the followers who left could not be checked (run check-losses later):")


def run_check_losses(
    args: argparse.Namespace, store: Store, *, sleep: Sleep = time.sleep, clock: Clock = time.monotonic,
    wall: Clock = time.time, stdout: TextIO | None = None,
) -> int:
    """The `check-losses` command."""
    if (args.since is None) != (args.until is None):
        raise CollectError(_("Give both --since and --until (two follower lists), or neither for the latest two."))
    cursor = store.cursor()
    try:
        platform = require_account(cursor, args.account).platform or ""
    finally:
        cursor.close()
    client = HttpClient(_policy(args, platform if platform in DEFAULT_RATE else "mastodon"),
                        sleep=sleep, clock=clock, wall=wall)
    checked = check_losses(store, args.account, client, since=args.since, until=args.until, api_url=args.api_url)
    print(checked.line(), file=stdout or sys.stdout)
    return EXIT_OK


def pending_folder(args: argparse.Namespace) -> Path:
    """Where this command's writes wait when the store is busy (analytics.pending)."""
    return queue_folder(store_path(args))


def run_collect(
    args: argparse.Namespace,
    store: Store | Callable[[], Store],
    *,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    wall: Clock = time.time,
    today: Callable[[], dt.date] = utc_today,
    max_rounds: int | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The `collect` command.

    `store` is the open store, or better a function opening it: then the store file is opened
    only once the fetch is done, for the seconds of the write (DuckDB lets one process hold the
    file, and the dashboard holds it while it runs). With --every and an open store, the store
    is closed at once and its file opened again for each round's write, for the same reason.
    If the store cannot be opened or written, what was fetched is saved as files to import."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    timing = {"sleep": sleep, "clock": clock, "wall": wall, "today": today, "stderr": err}
    if args.every is None:
        try:
            result = collect_once(args, store, **timing)  # type: ignore[arg-type]
        except KeyboardInterrupt:
            print("\n" + _("interrupted: nothing was stored."), file=err, flush=True)
            return EXIT_INTERRUPTED
        print(result.line(args.account), file=out)
        return EXIT_OK

    interval: float = args.every
    if isinstance(store, Store):
        path = store.path
        store.close()
        opener: Callable[[], Store] = lambda: open_store(path)  # noqa: E731 - a one-line closure
    else:
        opener = store
    start = clock()
    rounds = 0
    try:
        while True:
            rounds += 1
            stamp = dt.datetime.fromtimestamp(wall()).strftime("%Y-%m-%d %H:%M")
            try:
                result = collect_once(args, opener, **timing)  # type: ignore[arg-type]
                print(f"[{stamp}] {result.line(args.account)}", file=out, flush=True)
            except PalierError as exc:
                print(f"[{stamp}] " + _("collection failed: {error}").format(error=exc), file=err, flush=True)
            except Exception:  # noqa: BLE001 - one bad round must not end a schedule meant to run for months
                print(f"[{stamp}] " + _("collection failed unexpectedly:") + f"\n{traceback.format_exc()}", file=err, flush=True)
            if max_rounds is not None and rounds >= max_rounds:
                return EXIT_OK
            # Keep to the schedule from the start: a slow round does not push the later ones,
            # and a round longer than the interval skips the slots it overran.
            now = clock()
            next_at = start + (int((now - start) // interval) + 1) * interval
            nxt = dt.datetime.fromtimestamp(wall() + next_at - now).strftime("%Y-%m-%d %H:%M")
            print(_("next collection at {moment} (Ctrl-C to stop)").format(moment=nxt), file=err, flush=True)
            sleep(next_at - now)
    except KeyboardInterrupt:
        print("\n" + _("stopped."), file=err, flush=True)
        return EXIT_OK
