"""The `collect` and `check-losses` commands' arguments: argparse only, so that `python -m analytics`
builds its parser (on every start, whatever the command) without loading the collectors, the
importers and pandas."""

from __future__ import annotations

import argparse
import datetime as dt
import re

from analytics.i18n import _, format_number

# Below this an "every" loop would hammer public servers for lists that barely change.
MIN_INTERVAL = 5 * 60
# Defaults under each network's public limits: Bluesky's AppView allows about 3,000 requests
# per 5 minutes per address, Mastodon's default 300 per 5 minutes.
DEFAULT_RATE = {"bluesky": 3.0, "mastodon": 0.8}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """'30m', '6h', '24h', '1d' (also '90s', '1.5h') → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(_("expected an interval like 30m, 6h, 24h or 1d, found {text}").format(text=repr(text)))
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < MIN_INTERVAL:
        raise argparse.ArgumentTypeError(_("an interval of at least 5m, found {text}").format(text=repr(text)))
    return seconds


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a number, found {text}").format(text=repr(text))) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("expected a number above 0, found {text}").format(text=repr(text)))
    return value


def _retries(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(_("expected a whole number of 0 or more, found {text}").format(text=repr(text)))
    return int(text)


def add_collect_parser(
    subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "collect",
        parents=[common_parent],
        help=_("collect today's follower list from Bluesky or Mastodon (once, or --every 24h)"),
        description=_("Fetch an account's follower list from the public Bluesky or Mastodon API and store it "
                      "as today's snapshot. History cannot be fetched back in time: run it daily (cron) or with --every."),
    )
    parser.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account to store into (created if new)"))
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--bluesky", metavar=_("HANDLE"), help=_("a Bluesky handle, e.g. me.bsky.social"))
    target.add_argument("--mastodon", metavar="@USER@INSTANCE", help=_("a Mastodon address, e.g. @me@mastodon.social"))
    parser.add_argument(
        "--api-url", metavar="URL",
        help=_(
            "the API's base address (a self-hosted server; default https://public.api.bsky.app/xrpc/ "
            "for Bluesky, https://INSTANCE for Mastodon)"
        ),
    )
    parser.add_argument(
        "--every", type=parse_interval, metavar=_("INTERVAL"),
        help=_("keep running and collect once per interval (30m, 6h, 24h, 1d) until Ctrl-C"),
    )
    parser.add_argument(
        "--rate", type=_positive, metavar="N",
        help=_("at most N requests per second (default {bluesky} Bluesky, {mastodon} Mastodon)").format(
            bluesky=format_number(DEFAULT_RATE["bluesky"], 1), mastodon=format_number(DEFAULT_RATE["mastodon"], 1)
        ),
    )
    parser.add_argument("--timeout", type=_positive, default=20.0, metavar=_("SECONDS"), help=_("per request (default 20)"))
    parser.add_argument("--retries", type=_retries, default=5, metavar="N", help=_("on 429, 5xx and timeouts (default 5)"))
    parser.add_argument("--quiet", action="store_true", help=_("no progress, only the summary and errors"))
    return parser


def add_check_losses_parser(
    subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check-losses",
        parents=[common_parent],
        help=_("ask Bluesky or Mastodon why the followers who left between two lists did"),
        description=_("For a Bluesky or Mastodon account, ask the public API about each follower who left between "
                      "two follower lists (the latest two by default): unfollowed, deactivated, suspended or deleted."),
    )
    parser.add_argument("--account", required=True, metavar=_("ACCOUNT"), help=_("the account whose losses to check"))
    parser.add_argument("--since", type=_day, metavar=_("YYYY-MM-DD"), help=_("the earlier list (with --until)"))
    parser.add_argument("--until", type=_day, metavar=_("YYYY-MM-DD"), help=_("the later list (with --since)"))
    parser.add_argument("--api-url", metavar="URL", help=_("the API's base address (as for collect)"))
    parser.add_argument("--rate", type=_positive, metavar="N", help=_("at most N requests per second"))
    parser.add_argument("--timeout", type=_positive, default=20.0, metavar=_("SECONDS"), help=_("per request (default 20)"))
    parser.add_argument("--retries", type=_retries, default=5, metavar="N", help=_("on 429, 5xx and timeouts (default 5)"))
    return parser


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a date like 2025-01-31").format(text=repr(text))) from None
