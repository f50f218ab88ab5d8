"""The daily follower series: counts, gains, losses and the follower curve.

Sources, and which wins:
- gains and losses come from the export's daily New follows / Unfollows where it has them,
  else from the difference between consecutive follower-list snapshots (members who joined or
  left since the previous snapshot, counted on the later snapshot's date);
- follower totals ("anchors") come from exports that state them (Social Blade, a count CSV, a
  profile, a total typed by the user) and, where none does that day, from a snapshot's size.

The curve is absolute where an anchor exists: from the last anchor before a day, plus the net
change since; before the first anchor, the first anchor minus the net change until it. Where no
anchor exists at all, the curve is the cumulative change since the first day, never a made-up
total.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

DAILY_FLOWS_SQL = """
SELECT day,
       max(value) FILTER (WHERE metric = 'followers') AS reported_followers,
       max(value) FILTER (WHERE metric = 'new_follows') AS new_follows,
       max(value) FILTER (WHERE metric = 'unfollows') AS unfollows,
       max(value) FILTER (WHERE metric = 'net_follows') AS net_follows,
       max(value) FILTER (WHERE metric = 'impressions') AS impressions
FROM daily_latest
WHERE account_id = $account_id
GROUP BY day
"""

# Joined on a snapshot: spells starting there; left by it: spells ending at the previous one.
# Counted once per date with a GROUP BY and joined to the snapshots: a count per snapshot in a
# correlated subquery scanned the spells once per snapshot (365 scans of millions a year).
SNAPSHOT_FLOWS_SQL = """
WITH snaps AS (
    SELECT snapshot_date, members,
           lag(snapshot_date) OVER (ORDER BY snapshot_date) AS previous_date
    FROM snapshots WHERE account_id = $account_id AND kind = 'follower'
),
starts AS (
    SELECT first_seen AS day, count(*) AS n FROM spells
    WHERE account_id = $account_id AND kind = 'follower' GROUP BY first_seen
),
ends AS (
    SELECT last_seen AS day, count(*) AS n FROM spells
    WHERE account_id = $account_id AND kind = 'follower' AND last_seen IS NOT NULL GROUP BY last_seen
)
SELECT s.snapshot_date AS day,
       s.members AS listed,
       s.previous_date,
       CASE WHEN s.previous_date IS NULL THEN NULL ELSE coalesce(st.n, 0) END AS joined,
       CASE WHEN s.previous_date IS NULL THEN NULL ELSE coalesce(en.n, 0) END AS left_
FROM snaps s
LEFT JOIN starts st ON st.day = s.snapshot_date
LEFT JOIN ends en ON en.day = s.previous_date
ORDER BY s.snapshot_date
"""

CURVE_COLUMNS = (
    "day", "followers", "change", "gained", "lost", "net", "anchor", "listed", "flow_source", "impressions", "day_change",
)


def _empty_curve() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in CURVE_COLUMNS}).astype(
        {"day": "datetime64[us]", "flow_source": "string", "anchor": "boolean"}
    )


def follower_series(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """One row per calendar day from the first to the last day the account has data.

    Columns: day, followers (absolute, NaN where unknown), change (cumulative net since the
    first day), gained, lost, net (NaN where no source says), anchor (a stated total that day),
    listed (follower-list size on snapshot days), flow_source ('export' / 'lists'), impressions.
    """
    flows = cursor.execute(DAILY_FLOWS_SQL, {"account_id": account_id}).df()
    snaps = cursor.execute(SNAPSHOT_FLOWS_SQL, {"account_id": account_id}).df()
    days = pd.concat([pd.to_datetime(flows["day"]), pd.to_datetime(snaps["day"])])
    if days.empty:
        return _empty_curve()
    index = pd.date_range(days.min(), days.max(), freq="D", unit="us")
    out = pd.DataFrame(index=index)
    flows = flows.set_index(pd.to_datetime(flows["day"]))
    snaps = snaps.set_index(pd.to_datetime(snaps["day"]))
    reported = flows["reported_followers"].astype("float64").reindex(index)
    export_gained = flows["new_follows"].astype("float64").reindex(index)
    export_lost = flows["unfollows"].astype("float64").reindex(index)
    listed = snaps["listed"].astype("float64").reindex(index)
    list_gained = snaps["joined"].astype("float64").reindex(index)
    list_lost = snaps["left_"].astype("float64").reindex(index)

    has_export = export_gained.notna() | export_lost.notna()
    out["gained"] = np.where(has_export, export_gained.fillna(0), list_gained)
    out["lost"] = np.where(has_export, export_lost.fillna(0), list_lost)
    out["flow_source"] = pd.Series(
        np.where(has_export, "export", np.where(list_gained.notna(), "lists", None)), index=index, dtype="string"
    )
    # Days between two snapshots with no export: the change lands on the later snapshot's day,
    # so the days in between are known to be zero only when lists are the source.
    out["net"] = out["gained"] - out["lost"]
    # A net change stated without its gains and losses (YouTube, TikTok history) is the net.
    export_net = flows["net_follows"].astype("float64").reindex(index)
    net_only = out["net"].isna() & export_net.notna()
    out.loc[net_only, "net"] = export_net[net_only]
    out.loc[net_only, "flow_source"] = "export"
    list_covered = _between_snapshots(index, snaps)
    out.loc[list_covered & out["net"].isna(), ["gained", "lost", "net"]] = 0.0

    anchor_values = reported.where(reported.notna(), listed)
    out["anchor"] = anchor_values.notna()
    out["listed"] = listed
    out["followers"] = _propagate(anchor_values.to_numpy(), out["net"].to_numpy())
    out["change"] = out["net"].fillna(0).cumsum()
    out["impressions"] = flows["impressions"].astype("float64").reindex(index)
    out["day_change"] = day_change(out["followers"], out["net"])
    out.index.name = "day"
    return out.reset_index()


def day_change(followers: pd.Series, net: pd.Series) -> pd.Series:
    """Each day's change in followers, the one definition every sum over days is built from.

    Where the follower curve is known (or joins two known days) on the day and the day before, the
    difference of the curve: a sum over any days is then exactly the total at the end of the last
    day minus the total at the end of the day before the first, even where a stated total corrects
    the flows. Elsewhere the day's stated net change (gained - lost), or NaN where nothing says.
    Computed on the whole series, so a period cut out of it keeps its first day's change.
    """
    curve = followers.astype("float64").interpolate(method="linear", limit_area="inside")
    from_curve = curve.diff()
    return from_curve.where(from_curve.notna(), net.astype("float64"))


def _between_snapshots(index: pd.DatetimeIndex, snaps: pd.DataFrame) -> pd.Series:
    covered = pd.Series(False, index=index)
    if len(snaps) >= 2:
        first, last = snaps.index.min(), snaps.index.max()
        covered[(index > first) & (index <= last)] = True
    return covered


def _propagate(anchors: np.ndarray, net: np.ndarray) -> np.ndarray:
    """Absolute totals from anchors and daily net changes (NaN where the chain breaks)."""
    n = len(anchors)
    level = np.full(n, np.nan)
    current = np.nan
    for i in range(n):
        if not np.isnan(anchors[i]):
            current = anchors[i]
        elif not np.isnan(current):
            current = current + net[i] if not np.isnan(net[i]) else np.nan
        level[i] = current
    # Before the first anchor: walk back, undoing each day's net change.
    first = next((i for i in range(n) if not np.isnan(anchors[i])), None)
    if first is not None:
        current = anchors[first]
        for i in range(first - 1, -1, -1):
            step = net[i + 1]
            current = current - step if not np.isnan(step) else np.nan
            level[i] = current
    return level


def in_range(series: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    mask = pd.Series(True, index=series.index)
    if start is not None:
        mask &= series["day"] >= pd.Timestamp(start)
    if end is not None:
        mask &= series["day"] <= pd.Timestamp(end)
    return series[mask].reset_index(drop=True)
