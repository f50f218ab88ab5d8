"""Audience charts: coherence, topic clusters, stayers/leavers/joiners, languages, countries, quality.

Result objects from analytics.metrics.audience and analytics.metrics.quality in, plotly Figures
out. No map tiles anywhere: countries are bars, so the page works offline (Plotly's built-in
choropleth fetches its world outline from cdn.plot.ly at draw time: not used).
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
from analytics.i18n import N_, _, format_date, format_number, ngettext, plotly_locale

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
GROUP_WORDS = {"stayed": N_("Stayers"), "left": N_("Leavers"), "joined": N_("Joiners")}
RULE_WORDS = {"egg": N_("Egg"), "spam": N_("Spam-like"), "mass_follower": N_("Mass follower"), "inactive": N_("Inactive"),
              "new_account": N_("New account"),
              # Rules v2: what a profile shows, in fair words.
              "default_profile": N_("Default profile"), "no_posts_many_follows": N_("No posts, many follows"),
              "follows_many": N_("Follows many")}


def _percent_axis(fig: go.Figure, axis: str = "y") -> None:
    getattr(fig, f"update_{axis}axes")(tickformat=".0%", rangemode="tozero")


def coherence_histogram(result: Coherence, title: str | None = None) -> go.Figure:
    """Distribution of follower fits, the on-topic threshold marked."""
    title = title or _("How well each follower fits your topics")
    if not result.ok:
        return empty_figure(title, result.reason or _("Not enough data."))
    # Every judged follower, binned by DuckDB (a million fits are not sent to the browser).
    bins = result.histogram
    if bins.empty:
        return empty_figure(title, _("No follower has a bio or name to judge."))
    fig = go.Figure(go.Bar(
        x=(bins["bin_start"] + bins["bin_end"]) / 2, y=bins["followers"], width=bins["bin_end"] - bins["bin_start"],
        marker_color=FOLLOWERS_COLOR, customdata=bins[["bin_start", "bin_end"]].to_numpy(),
        hovertemplate=_("fit %{customdata[0]:.3f} to %{customdata[1]:.3f}: %{y:,} followers") + "<extra></extra>",
        name=_("Followers"),
    ))
    fig.add_vline(x=result.threshold, line={"color": NET_COLOR, "dash": "dash"},
                  annotation_text=_("on-topic from {threshold}").format(threshold=format_number(result.threshold, 2)),
                  annotation_position="top right")
    base_layout(fig, title, _("Followers"), HEIGHT)
    fig.update_xaxes(title_text=_("Fit to your topics (cosine similarity)"))
    fig.update_layout(showlegend=False, bargap=0.05)
    return fig


def clusters_figure(result: Clusters, title: str | None = None) -> go.Figure:
    """Cluster sizes as horizontal bars, labelled with their top terms."""
    title = title or _("Topic clusters of your followers")
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or _("Not enough bios to find topics."))
    table = result.table.iloc[::-1]  # plotly draws the first bar at the bottom
    colors = [MUTED_COLOR if c < 0 else FOLLOWERS_COLOR for c in table["cluster"]]
    terms = [", ".join(t) if len(t) else _("bios without a kept term") for t in table["top_terms"]]
    fig = go.Figure(go.Bar(
        x=table["size"], y=table["label"], orientation="h", marker_color=colors,
        customdata=np.column_stack([table["share"], terms]),
        hovertemplate=_("%{y}: %{x:,} followers (%{customdata[0]:.0%})") + "<br>%{customdata[1]}<extra></extra>",
    ))
    base_layout(fig, title, "", max(HEIGHT, 60 + 40 * len(table)))
    fig.update_xaxes(title_text=_("Followers"), tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    fig.update_layout(showlegend=False)
    return fig


def cluster_change_figure(result: ClusterChange, title: str | None = None) -> go.Figure:
    """Cluster sizes at the two snapshot dates, side by side."""
    title = title or _("Topic clusters then and now")
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or _("Not enough data."))
    table = result.table.iloc[::-1]
    start = format_date(result.start) if result.start else _("start")
    end = format_date(result.end) if result.end else _("end")
    on_start = _("%{{y}} on {date}: %{{x:,}}").format(date=start)
    on_end = _("%{{y}} on {date}: %{{x:,}}").format(date=end)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["size_start"], y=table["label"], orientation="h", name=start, marker_color=MUTED_COLOR,
                         hovertemplate=on_start + "<extra></extra>"))
    fig.add_trace(go.Bar(x=table["size_end"], y=table["label"], orientation="h", name=end, marker_color=FOLLOWERS_COLOR,
                         customdata=table["change"], hovertemplate=on_end + " (%{customdata:+,})<extra></extra>"))
    base_layout(fig, title, "", max(HEIGHT, 60 + 50 * len(table)))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=_("Followers"), tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    return fig


def groups_figure(result: GroupCoherence, title: str | None = None) -> go.Figure:
    """Mean coherence per group, the group sizes in the labels."""
    title = title or _("Coherence of stayers, leavers and joiners")
    if not result.ok:
        return empty_figure(title, result.reason or _("Not enough data."))
    table = result.table
    labels = [_(GROUP_WORDS[g]) + f" ({format_number(n)})" for g, n in zip(table["group"], table["members"], strict=True)]
    fig = go.Figure(go.Bar(
        x=labels, y=table["coherence"], marker_color=[GROUP_COLORS[g] for g in table["group"]],
        customdata=table[["on_topic_share", "with_text"]].to_numpy(),
        hovertemplate=_("%{x}: coherence %{y:.0%}, on-topic %{customdata[0]:.0%} of %{customdata[1]:,} judged")
        + "<extra></extra>",
    ))
    base_layout(fig, title, _("Coherence"), HEIGHT)
    _percent_axis(fig)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    return fig


def languages_figure(result: LanguageMix, title: str | None = None) -> go.Figure:
    """Share of followers and of posts per language, grouped bars."""
    title = title or _("Languages: followers' bios and your posts")
    if not result.ok or result.table.empty:
        return empty_figure(title, result.reason or _("Not enough data."))
    table = result.table
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["language"], y=table["follower_share"], name=_("Followers (bios)"), marker_color=FOLLOWERS_COLOR,
                         customdata=table["followers"],
                         hovertemplate=_("%{x}: %{y:.0%} of followers (%{customdata:,})") + "<extra></extra>"))
    if result.posts:
        fig.add_trace(go.Bar(x=table["language"], y=table["post_share"], name=_("Your posts"), marker_color=POSTS_COLOR,
                             customdata=table["posts"],
                             hovertemplate=_("%{x}: %{y:.0%} of posts (%{customdata:,})") + "<extra></extra>"))
    base_layout(fig, title, _("Share"), HEIGHT)
    _percent_axis(fig)
    fig.update_layout(barmode="group")
    return fig


def countries_figure(result: LocationMix, top: int = 15, title: str | None = None) -> go.Figure:
    """Followers per country (the `top` largest, the rest and unknown grouped), horizontal bars."""
    title = title or _("Where followers say they are")
    if result.table.empty or not result.located:
        return empty_figure(title, result.reason or _("No location matched a country."))
    table = result.table
    known = table[table["country"] != "unknown"]
    shown = known.head(top)
    rest = known.iloc[top:]
    rows = [shown]
    if not rest.empty:
        rows.append(pd.DataFrame({"country": ["other"], "country_name": [
            ngettext("{count} other country", "{count} other countries", len(rest)).format(count=format_number(len(rest)))
        ],
                                  "followers": [int(rest["followers"].sum())], "share": [float(rest["share"].sum())]}))
    rows.append(table[table["country"] == "unknown"].assign(country_name=_("Unknown or no location")))
    data = pd.concat(rows, ignore_index=True).iloc[::-1]
    colors = [MUTED_COLOR if c in ("unknown", "other") else FOLLOWERS_COLOR for c in data["country"]]
    fig = go.Figure(go.Bar(
        x=data["followers"], y=data["country_name"], orientation="h", marker_color=colors, customdata=data["share"],
        hovertemplate=_("%{y}: %{x:,} followers (%{customdata:.0%})") + "<extra></extra>",
    ))
    base_layout(fig, title, "", max(HEIGHT, 60 + 26 * len(data)))
    fig.update_xaxes(title_text=_("Followers"), tickformat=",d")
    fig.update_yaxes(title_text=None, tickformat=None, automargin=True)
    fig.update_layout(showlegend=False)
    return fig


def quality_rules_figure(audit: QualityAudit, title: str | None = None) -> go.Figure:
    """Followers flagged by each rule; suspicious rules in red, the others muted."""
    title = title or _("Quality audit (rules {version})").format(version=audit.summary.rules_version)
    if not audit.ok:
        return empty_figure(title, audit.reason or _("The audit cannot run."))
    from analytics.metrics.quality import PATTERN_RULES_V2, RULES, RULES_V2, RULES_VERSION_V2, SUSPICIOUS_RULES

    v2 = audit.summary.rules_version == RULES_VERSION_V2
    rules = RULES_V2 if v2 else RULES
    # v2 colours profile patterns as v1 coloured its "suspicious" rules; inactive and new stay muted.
    marked = PATTERN_RULES_V2 if v2 else SUSPICIOUS_RULES
    names = [r.name for r in rules]
    counts = [audit.summary.counts[n] for n in names]
    texts = [r.text for r in rules]
    shares = [c / audit.summary.audited for c in counts]
    fig = go.Figure(go.Bar(
        x=[_(RULE_WORDS[n]) if n in RULE_WORDS else n for n in names], y=counts,
        marker_color=[SUSPICIOUS_COLOR if n in marked else MUTED_COLOR for n in names],
        customdata=np.column_stack([shares, texts]),
        hovertemplate=_("%{x}: %{y:,} followers (%{customdata[0]:.1%})") + "<br>%{customdata[1]}<extra></extra>",
    ))
    base_layout(fig, title, _("Followers"), HEIGHT)
    fig.update_layout(showlegend=False)
    return fig


def quality_trend_figure(trend: QualityTrend, title: str | None = None) -> go.Figure:
    """Quality score per snapshot date (line), as a share."""
    title = title or _("Audience quality score over time")
    if not trend.ok or trend.table.empty:
        return empty_figure(title, trend.reason or _("Not enough data."))
    table = trend.table.dropna(subset=["quality_score"])
    fig = go.Figure(go.Scatter(
        x=table["snapshot_date"], y=table["quality_score"], mode="lines+markers" if len(table) < 60 else "lines",
        line={"color": FOLLOWERS_COLOR, "width": 2}, customdata=table[["audited", "suspicious", "inactive"]].to_numpy(),
        hovertemplate=(f"%{{x|{plotly_locale().date_format}}}: %{{y:.1%}}<br>"
                       + _("%{customdata[0]:,} audited, %{customdata[1]:,} suspicious, %{customdata[2]:,} inactive")
                       + "<extra></extra>"),
    ))
    base_layout(fig, title, _("Quality score"), HEIGHT)
    _percent_axis(fig)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    return fig
