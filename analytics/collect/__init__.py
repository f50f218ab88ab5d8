"""Collecting follower snapshots from the public Bluesky and Mastodon APIs.

Follower history cannot be fetched back in time: a day not collected is lost. A collection
fetches the account's profile and every page of its follower list (`bluesky.py`,
`mastodon.py`, through the polite client in `http.py`), keeps the raw JSON bytes of each answer
as `SourceFile`s, and stores them here through the importers' own path: detection and the
Bluesky/Mastodon parsers (`analytics.ingest.service.prepare`), then the loader
(`load_prepared`).

Everything is fetched before anything is written, and the profile and the pages are written as
ONE import in one transaction, so a collection that fails midway (a request, a page that does
not parse, the store) leaves the store as it was.

Collected imports are named `collected from <platform>: <handle> on <day> (N pages)`, which is
how `last_collections` tells them from uploads.
"""

# Nothing is imported here: `python -m analytics` builds its `collect` arguments from
# `analytics.collect.arguments` on every start, and a package that imported its modules would
# load pandas and the importers for every command (about a second).
