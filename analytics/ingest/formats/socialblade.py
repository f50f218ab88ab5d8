"""Social Blade Matrix API statistics (JSON): a daily follower history.

Social Blade has no end-user CSV; its paid API answers
`GET https://matrix.sbapis.com/b/<network>/statistics?query=<handle>` with `data.daily[]`
(`date`, `followers`, `following`, `tweets`). Only those paths are verified: the wrapper keys
around `data` (`status`, `info`) and the order of `daily` are not, so both are accepted as they
come (with or without the wrapper, any order) and the days are sorted here. The response does not
reliably say which network it is about, so the format is platform-neutral.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.formats.jsonread import describe, head_has_key, head_start, load_json
from analytics.ingest.model import DAILY_DTYPES, ExportFormat, Parsed, SourceFile, typed_frame
from analytics.ingest.values import check_count, json_count, parse_int, parse_iso_datetime, plausible_day

if TYPE_CHECKING:
    pass

WHERE_TO_GET = (
    "Social Blade Matrix API: save the response of "
    "https://matrix.sbapis.com/b/<network>/statistics?query=<handle>&history=extended as a .json file."
)
# Daily field -> metric; the posts counter is named after the network (tweets, media, ...).
_METRICS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("followers",), "followers"),
    (("following",), "following"),
    (("tweets", "posts", "media", "uploads"), "posts_total"),
)


def _sniff(source: SourceFile) -> bool:
    if not head_start(source).startswith("{"):
        return False
    return head_has_key(source, "daily") or (head_has_key(source, "statistics") and head_has_key(source, "username"))


def _data(document: object, file: str) -> dict[str, object]:
    if not isinstance(document, dict):
        raise BadExportError(file, _("top level"), _("an object with 'data' (Social Blade statistics)"), describe(document))
    status = document.get("status")
    if isinstance(status, dict) and status.get("success") is False:
        message = status.get("error") or status.get("message") or status.get("status")
        raise BadExportError(
            file,
            _("key 'status'"),
            _("a successful Social Blade response"),
            _('the error {message}').format(message=repr(str(message)[:120])),
        )
    data = document.get("data")
    if isinstance(data, dict):
        return data
    if "daily" in document:  # the bare `data` object, saved without its wrapper
        return document
    raise BadExportError(file, _("top level"), _("'data' with 'daily' (Social Blade statistics)"), describe(document))


def _day(value: object, file: str, where: str) -> dt.date:
    if not isinstance(value, str):
        raise BadExportError(file, where, _("a date like '2026-03-02'"), describe(value))
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return parse_iso_datetime(value, file, where).date()


def _value(value: object, file: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadExportError(file, where, _("a count"), describe(value))
    if isinstance(value, int | float):
        return json_count(value, file, where)
    if isinstance(value, str):
        number = parse_int(value, file, where)
        return None if number is None else check_count(number, file, where)
    raise BadExportError(file, where, _("a count"), describe(value))


def parse(source: SourceFile) -> Parsed:
    import pandas as pd
    data = _data(load_json(source, "a Social Blade statistics response"), source.name)
    daily = data.get("daily")
    if not isinstance(daily, list):
        raise BadExportError(source.name, _("key 'data.daily'"), _("an array of days"), describe(daily))
    entries: list[tuple[dt.date, int, dict[str, object]]] = []
    for i, entry in enumerate(daily):
        where = f"data.daily[{i}]"
        if not isinstance(entry, dict):
            raise BadExportError(source.name, where, _("an object with 'date' and 'followers'"), describe(entry))
        entries.append((plausible_day(_day(entry.get("date"), source.name, f"{where}.date"), source.name, f"{where}.date"), i, entry))
    # The API's order is unverified; the newest value of a day is the last one kept by the loader.
    entries.sort(key=lambda item: (item[0], item[1]))
    rows: list[dict[str, object]] = []
    for day, i, entry in entries:
        for names, metric in _METRICS:
            name = next((n for n in names if n in entry), None)
            if name is None:
                continue
            value = _value(entry[name], source.name, f"data.daily[{i}].{name}")
            if value is not None:
                rows.append({"day": pd.Timestamp(day), "metric": metric, "value": value})
    identity = data.get("id")
    username = identity.get("username") if isinstance(identity, dict) else None
    return Parsed(
        format="socialblade_statistics",
        platform=None,
        daily=typed_frame(rows, DAILY_DTYPES),
        account_handle=username if isinstance(username, str) and username else None,
        rows=len(daily),
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="socialblade_statistics",
        label=N_("Social Blade statistics (Matrix API JSON)"),
        platform=None,
        where_to_get=WHERE_TO_GET,
        sniff=_sniff,
        parse=parse,
    ),
)
