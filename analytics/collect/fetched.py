"""What a collection fetched, and how it is stored: one import through the importers' own path
(see the package's docstring)."""


from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.collect.http import CollectError
from analytics.i18n import _
from analytics.ingest.model import (
    MEMBER_DTYPES,
    MemberList,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.service import (
    ImportOptions,
    Outcome,
    Prepared,
    load_prepared,
    prepare,
)
from analytics.store import Store

__all__ = ["CollectError", "Fetched", "LAST_COLLECTIONS_COLUMNS", "last_collections", "store_fetched"]

COLLECTED_FORMATS = ("bluesky_followers", "mastodon_followers")
_NAME = re.compile(r"^collected from (bluesky|mastodon): (\S+) on (\d{4}-\d{2}-\d{2})")
LAST_COLLECTIONS_COLUMNS = [
    "account", "platform", "handle", "last_collected_at", "snapshot_date", "followers", "profile_followers",
]


@dataclass
class Fetched:
    """Everything one collection fetched, not yet stored."""

    platform: str  # 'bluesky' or 'mastodon'
    handle: str  # as collected: 'me.bsky.social', 'user@instance'
    sources: list[SourceFile]  # the profile answer, then the follower pages (raw bytes)
    followers: int  # distinct followers listed (deduplicated by DID / account id)
    expected: int | None  # the profile's follower count; None when hidden
    pages: int
    requests: int = 0
    notes: list[str] = field(default_factory=list)


def import_name(fetched: Fetched, day: dt.date) -> str:
    return f"collected from {fetched.platform}: {fetched.handle} on {day.isoformat()} ({fetched.pages} pages)"


def _digest(fetched: Fetched, day: dt.date) -> str:
    # The day is part of the identity: an unchanged list collected the next day is still a
    # snapshot of that day (imports are deduplicated by this digest).
    head = f"palier-collect\n{fetched.platform}\n{fetched.handle}\n{day.isoformat()}\n"
    return hashlib.sha256((head + "\n".join(s.sha256 for s in fetched.sources)).encode()).hexdigest()


def store_fetched(store: Store, account: str, fetched: Fetched, day: dt.date) -> Outcome:
    """Parse the fetched answers with the importers and write them as one import of `day`."""
    prepared = prepare(fetched.sources)
    failed = [item for item in prepared if isinstance(item, Outcome)]
    if failed:
        raise CollectError(
            _('The {platform} answers for {handle} could not be read: {error}. Nothing was stored.').format(
                platform=fetched.platform, handle=fetched.handle, error=failed[0].error,
            )
        )
    items = [item for item in prepared if isinstance(item, Prepared)]
    lists = [item for item in items if item.parsed.lists]
    profiles = [item for item in items if not item.parsed.lists]
    if len(lists) > 1 or len(profiles) != 1:
        raise CollectError(
            _(
                'The {platform} answers for {handle} did not read as one profile and one follower list ({value}). Nothing was stored.'
            ).format(platform=fetched.platform, handle=fetched.handle, value=', '.join(item.name for item in items))
        )
    profile = profiles[0].parsed
    if lists:
        base = lists[0].parsed
    else:
        # No page held a follower (Mastodon's empty `[]` pages are not kept: no importer
        # recognises an empty array): the snapshot is the empty list.
        base = Parsed(
            format=f"{fetched.platform}_followers",
            platform=fetched.platform,
            lists=[MemberList("follower", typed_frame([], MEMBER_DTYPES))],
        )
    combined = replace(
        base,
        profile_counts=dict(profile.profile_counts),
        account_handle=profile.account_handle or base.account_handle,
        rows=base.rows + profile.rows,
        notes=[*profile.notes, *base.notes, *fetched.notes],
        group_key=None,
    )
    item = Prepared(import_name(fetched, day), _digest(fetched, day), combined)
    return load_prepared(store, item, ImportOptions(account, platform=fetched.platform, snapshot_date=day))


LAST_COLLECTIONS_SQL = f"""
SELECT a.name AS account, a.platform, i.file_name, i.imported_at AS last_collected_at,
       (SELECT max(s.snapshot_date) FROM snapshots s WHERE s.import_id = i.import_id) AS snapshot_date,
       (SELECT max(s.members) FROM snapshots s WHERE s.import_id = i.import_id AND s.kind = 'follower') AS followers,
       (SELECT max(d.value) FROM daily_values d WHERE d.import_id = i.import_id AND d.metric = 'followers')
           AS profile_followers
FROM imports i JOIN accounts a ON a.account_id = i.account_id
WHERE i.format IN ({", ".join(repr(f) for f in COLLECTED_FORMATS)}) AND i.file_name LIKE 'collected from %'
QUALIFY row_number() OVER (PARTITION BY i.account_id ORDER BY i.imported_at DESC, i.import_id DESC) = 1
ORDER BY a.name
"""  # noqa: S608 - the formats are constants


def last_collections(store: Store) -> pd.DataFrame:
    """Per account, its latest collection: account, platform, handle, last_collected_at,
    snapshot_date, followers (listed), profile_followers (the profile's count; missing when hidden)."""
    cursor = store.cursor()
    try:
        frame = cursor.execute(LAST_COLLECTIONS_SQL).df()
    finally:
        cursor.close()
    handles = frame["file_name"].map(lambda name: m.group(2) if (m := _NAME.match(str(name))) else None)
    frame = frame.assign(handle=handles.astype("string"))
    for column in ("followers", "profile_followers"):
        frame[column] = frame[column].astype("Int64")
    return frame[LAST_COLLECTIONS_COLUMNS].reset_index(drop=True)
