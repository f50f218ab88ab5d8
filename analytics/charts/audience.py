"""Audience charts: coherence, topic clusters, stayers/leavers/joiners, languages, countries, quality.

Result objects from analytics.metrics.audience and analytics.metrics.quality in, plotly Figures
out. No map tiles anywhere: countries are bars, so the page works offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.charts import (
    FOLLOWERS_COLOR,
    GAINED_COLOR,
    LOST_COLOR,
    MUTED_COLOR,
    NET_COLOR,
    base_layout,
    empty_figure,
)

if TYPE_CHECKING:
    from analytics.metrics.audience import (
        ClusterChange,
        Clusters,
        Coherence,
        GroupCoherence,
        LanguageMix,
        LocationMix,
    )
    from analytics.metrics.quality import QualityAudit, QualityTrend

HEIGHT = 380
POSTS_COLOR = "#e0a100"
SUSPICIOUS_COLOR = LOST_COLOR
GROUP_COLORS = {"stayed": FOLLOWERS_COLOR, "left": LOST_COLOR, "joined": GAINED_COLOR}
GROUP_WORDS = {"stayed": "Stayers", "left": "Leavers", "joined": "Joiners"}
RULE_WORDS = {"egg": "Egg", "spam": "Spam-like", "mass_follower": "Mass follower", "inactive": "Inactive",
              "new_account": "New account"}


def _percent_axis(fig: go.Figure, axis: str = "y") -> None:
    getattr(fig, f"update_{axis}axes")(tickformat=".0%", rangemode="tozero")


def coherence_histogram(result: Coherence, title: str = "How well each follower fits your topics") -> go.Figure:
    """Distribution of follower fits, the on-topic threshold marked."""
    if not result.ok:
        return empty_figure(title, result.reason or "Not enough data.")
    # Every judged follower, binned by DuckDB (a million fits are not sent to the browser).
    bins = result.histogram
    if bins.empty:
        return empty_figure(title, "No follower has a bio or name to judge.")
    fig = go.Figure(go.Bar(
        x=(bins["bin_start"] + bins["bin_end"]) / 2, y=bins["followers"], width=bins["bin_end"] - bins["bin_start"],
        marker_color=FOLLOWERS_COLOR, customdata=bins[["bin_start", "bin_end"]].to_numpy(),
        hovertemplate="fit %{customdata[0]:.3f} to %{customdata[1]:.3f}: %{y:,} followers<extra></extra>", name="Followers",
    ))
    fig.add_vline(x=result.threshold, line={"color": NET_COLOR, "dash": "dash"},
                  annotation_text=f"on-topic from {result.threshold:.2f}", annotation_position="top right")
    base_layout(fig, title, "Followers", HEIGHT)
    fig.update_xaxes(title_text="Fit to your topics (cosine similarity)")
    fig.update_layout(showlegend=False, bargap=0.05)
    return fig


def clusters_figure(result: Clusters, title: str = "Topic clusters of your followers") -> go.Figure:
    """Cluster sizes as horizontal bars, labelled with their top terms."""
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or "Not enough bios to find topics.")
    table = result.table.iloc[::-1]  # plotly draws the first bar at the bottom
    colors = [MUTED_COLOR if c < 0 else FOLLOWERS_COLOR for c in table["cluster"]]
    terms = [", ".join(t) if len(t) else "bios without a kept term" for t in table["top_terms"]]
    fig = go.Figure(go.Bar(
        x=table["size"], y=table["label"], orientation="h", marker_color=colors,
        customdata=np.column_stack([table["share"], terms]),
        hovertemplate="%{y}: %{x:,} followers (%{customdata[0]:.0%})<br>%{customdata[1]}<extra></extra>",
    ))
    base_layout(fig, title, "", max(HEIGHT, 60 + 40 * len(table)))
    fig.update_xaxes(title_text="Followers", tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    fig.update_layout(showlegend=False)
    return fig


def cluster_change_figure(result: ClusterChange, title: str | None = None) -> go.Figure:
    """Cluster sizes at the two snapshot dates, side by side."""
    title = title or "Topic clusters then and now"
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or "Not enough data.")
    table = result.table.iloc[::-1]
    start = result.start.isoformat() if result.start else "start"
    end = result.end.isoformat() if result.end else "end"
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["size_start"], y=table["label"], orientation="h", name=start, marker_color=MUTED_COLOR,
                         hovertemplate=f"%{{y}} on {start}: %{{x:,}}<extra></extra>"))
    fig.add_trace(go.Bar(x=table["size_end"], y=table["label"], orientation="h", name=end, marker_color=FOLLOWERS_COLOR,
                         customdata=table["change"], hovertemplate=f"%{{y}} on {end}: %{{x:,}} (%{{customdata:+,}})<extra></extra>"))
    base_layout(fig, title, "", max(HEIGHT, 60 + 50 * len(table)))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Followers", tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    return fig


def groups_figure(result: GroupCoherence, title: str = "Coherence of stayers, leavers and joiners") -> go.Figure:
    """Mean coherence per group, the group sizes in the labels."""
    if not result.ok:
        return empty_figure(title, result.reason or "Not enough data.")
    table = result.table
    labels = [f"{GROUP_WORDS[g]} ({n:,})" for g, n in zip(table["group"], table["members"], strict=True)]
    fig = go.Figure(go.Bar(
        x=labels, y=table["coherence"], marker_color=[GROUP_COLORS[g] for g in table["group"]],
        customdata=table[["on_topic_share", "with_text"]].to_numpy(),
        hovertemplate="%{x}: coherence %{y:.0%}, on-topic %{customdata[0]:.0%} of %{customdata[1]:,} judged<extra></extra>",
    ))
    base_layout(fig, title, "Coherence", HEIGHT)
    _percent_axis(fig)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    return fig


def languages_figure(result: LanguageMix, title: str = "Languages: followers' bios and your posts") -> go.Figure:
    """Share of followers and of posts per language, grouped bars."""
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or "Not enough data.")
    table = result.table
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["language"], y=table["follower_share"], name="Followers (bios)", marker_color=FOLLOWERS_COLOR,
                         customdata=table["followers"], hovertemplate="%{x}: %{y:.0%} of followers (%{customdata:,})<extra></extra>"))
    if result.posts:
        fig.add_trace(go.Bar(x=table["language"], y=table["post_share"], name="Your posts", marker_color=POSTS_COLOR,
                             customdata=table["posts"], hovertemplate="%{x}: %{y:.0%} of posts (%{customdata:,})<extra></extra>"))
    base_layout(fig, title, "Share", HEIGHT)
    _percent_axis(fig)
    fig.update_layout(barmode="group")
    return fig


def countries_figure(result: LocationMix, top: int = 15, title: str = "Where followers say they are") -> go.Figure:
    """Followers per country (the `top` largest, the rest and unknown grouped), horizontal bars."""
    if result.table.empty or not result.located:
        return empty_figure(title, result.reason or "No location matched a country.")
    table = result.table
    known = table[table["country"] != "unknown"]
    shown = known.head(top)
    rest = known.iloc[top:]
    rows = [shown]
    if not rest.empty:
        rows.append(pd.DataFrame({"country": ["other"], "country_name": [f"{len(rest)} other countries"],
                                  "followers": [int(rest["followers"].sum())], "share": [float(rest["share"].sum())]}))
    rows.append(table[table["country"] == "unknown"].assign(country_name="Unknown or no location"))
    data = pd.concat(rows, ignore_index=True).iloc[::-1]
    colors = [MUTED_COLOR if c in ("unknown", "other") else FOLLOWERS_COLOR for c in data["country"]]
    fig = go.Figure(go.Bar(
        x=data["followers"], y=data["country_name"], orientation="h", marker_color=colors, customdata=data["share"],
        hovertemplate="%{y}: %{x:,} followers (%{customdata:.0%})<extra></extra>",
    ))
    base_layout(fig, title, "", max(HEIGHT, 60 + 26 * len(data)))
    fig.update_xaxes(title_text="Followers", tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    fig.update_layout(showlegend=False)
    return fig


def quality_rules_figure(audit: QualityAudit, title: str | None = None) -> go.Figure:
    """Followers flagged by each rule; suspicious rules in red, the others muted."""
    title = title or f"Quality audit (rules {audit.summary.rules_version})"
    if not audit.ok:
        return empty_figure(title, audit.reason or "The audit cannot run.")
    from analytics.metrics.quality import RULES, SUSPICIOUS_RULES

    names = [r.name for r in RULES]
    counts = [audit.summary.counts[n] for n in names]
    texts = [r.text for r in RULES]
    shares = [c / audit.summary.audited for c in counts]
    fig = go.Figure(go.Bar(
        x=[RULE_WORDS.get(n, n) for n in names], y=counts,
        marker_color=[SUSPICIOUS_COLOR if n in SUSPICIOUS_RULES else MUTED_COLOR for n in names],
        customdata=np.column_stack([shares, texts]),
        hovertemplate="%{x}: %{y:,} followers (%{customdata[0]:.1%})<br>%{customdata[1]}<extra></extra>",
    ))
    base_layout(fig, title, "Followers", HEIGHT)
    fig.update_layout(showlegend=False)
    return fig


def quality_trend_figure(trend: QualityTrend, title: str = "Audience quality score over time") -> go.Figure:
    """Quality score per snapshot date (line), as a share."""
    if not trend.ok or trend.table.empty:
        return empty_figure(title, trend.reason or "Not enough data.")
    table = trend.table.dropna(subset=["quality_score"])
    fig = go.Figure(go.Scatter(
        x=table["snapshot_date"], y=table["quality_score"], mode="lines+markers" if len(table) < 60 else "lines",
        line={"color": FOLLOWERS_COLOR, "width": 2}, customdata=table[["audited", "suspicious", "inactive"]].to_numpy(),
        hovertemplate=("%{x|%d %b %Y}: %{y:.1%}<br>%{customdata[0]:,} audited, %{customdata[1]:,} suspicious, "
                       "%{customdata[2]:,} inactive<extra></extra>"),
    ))
    base_layout(fig, title, "Quality score", HEIGHT)
    _percent_axis(fig)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    return fig
