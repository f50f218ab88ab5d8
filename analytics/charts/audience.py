"""Audience charts: coherence, topic clusters, stayers/leavers/joiners, languages, countries, quality.

Result objects from analytics.metrics.audience and analytics.metrics.quality in, plotly Figures
out. No map tiles anywhere: the countries map draws outlines kept in the repository on plain axes
(analytics.charts.worldmap; Plotly's geo subplot would fetch its outline from cdn.plot.ly), so the
page works offline and asks no other host.
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
from analytics.charts.worldmap import world_shapes
from analytics.i18n import N_, _, babel_locale, format_date, format_number, format_percent, ngettext, plotly_locale
from analytics.metrics.geo import alpha3_codes

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


def country_label(iso2: str, english: str) -> str:
    """A country's name in the reader's language (Babel's territory names), else the gazetteer's."""
    name = babel_locale().territories.get(iso2)
    return name if isinstance(name, str) and name else english


LAND_COLOR = "#e5e7eb"
BORDER_COLOR = "#ffffff"
# Light to dark: more followers, darker (a sequential blue ending near FOLLOWERS_COLOR).
MAP_CLASS_COLORS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
MAP_HEIGHT = 430


def map_classes(smallest: int, largest: int, most: int = len(MAP_CLASS_COLORS)) -> list[int]:
    """The lower bounds of the map's colour classes for follower counts from `smallest` to
    `largest`: round numbers of the 1-2-5 series (1, 2, 5, 10, 20, 50, ...), from the largest one
    not above `smallest` up to `largest`, at most `most` of them spread evenly over the series
    (counts per country are skewed: a few countries hold most followers)."""
    series: list[int] = []
    step = 1
    while step <= max(largest, 1):
        series += [factor * step for factor in (1, 2, 5)]
        step *= 10
    low = max([value for value in series if value <= max(smallest, 1)], default=1)
    bounds = [value for value in series if low <= value <= max(largest, 1)]
    if len(bounds) > most:
        # Evenly spread over the series, the first and the last kept.
        bounds = [bounds[round(i * (len(bounds) - 1) / (most - 1))] for i in range(most)]
    return bounds


def _class_label(bounds: list[int], index: int) -> str:
    low = bounds[index]
    if index == len(bounds) - 1:
        return _("{low} or more").format(low=format_number(low))
    high = bounds[index + 1] - 1
    return format_number(low) if high == low else _("{low} to {high}").format(low=format_number(low), high=format_number(high))


def countries_map_figure(result: LocationMix, title: str | None = None) -> go.Figure:
    """Followers per country on a world map: each country shaded by its class of follower count,
    its count and share on hover. Drawn from the outlines of analytics.charts.worldmap on plain
    axes: the figure carries every coordinate and makes no request when drawn."""
    title = title or _("Where followers say they are")
    known = result.table[result.table["country"] != "unknown"] if not result.table.empty else result.table
    if known.empty or not result.located:
        return empty_figure(title, result.reason or _("No location matched a country."))
    alpha3 = alpha3_codes()
    counts = {alpha3.get(c, c): (int(n), float(share), country_label(c, name))
              for c, name, n, share in zip(known["country"], known["country_name"], known["followers"], known["share"],
                                           strict=True)}
    shapes = world_shapes()
    bounds = map_classes(min(n for n, _share, _name in counts.values()), max(n for n, _share, _name in counts.values()))
    fig = go.Figure()
    land_x: list[float | None] = []
    land_y: list[float | None] = []
    classed: list[tuple[list[float | None], list[float | None]]] = [([], []) for _bound in bounds]
    hover_x, hover_y, hover_text = [], [], []
    for shape in shapes:
        if shape.iso3 in counts:
            followers, share, name = counts[shape.iso3]
            index = max(i for i, low in enumerate(bounds) if followers >= low)
            xs, ys = classed[index]
            hover_x.append(shape.label_x)
            hover_y.append(shape.label_y)
            hover_text.append(_("{country}: {count} followers ({share})").format(
                country=name, count=format_number(followers), share=format_percent(share)))
        else:
            xs, ys = land_x, land_y
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(shape.x)
        ys.extend(shape.y)
    outline = {"color": BORDER_COLOR, "width": 0.6}
    fig.add_trace(go.Scatter(x=land_x, y=land_y, fill="toself", fillcolor=LAND_COLOR, line=outline, mode="lines",
                             hoverinfo="skip", showlegend=False))
    colors = MAP_CLASS_COLORS[len(MAP_CLASS_COLORS) - len(bounds):]
    for index, (xs, ys) in enumerate(classed):
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=colors[index], line=outline, mode="lines",
                                     hoverinfo="skip", name=_class_label(bounds, index), legendrank=index))
    # The hover: one invisible point per country with followers, where its label would sit.
    fig.add_trace(go.Scatter(x=hover_x, y=hover_y, mode="markers", marker={"size": 14, "opacity": 0}, text=hover_text,
                             hovertemplate="%{text}<extra></extra>", showlegend=False))
    base_layout(fig, title, "", MAP_HEIGHT)
    every_x = [v for shape in shapes for v in shape.x if v is not None]
    every_y = [v for shape in shapes for v in shape.y if v is not None]
    fig.update_xaxes(visible=False, fixedrange=True, showline=False, ticks="", constrain="domain",
                     range=[min(every_x), max(every_x)])
    # One unit across is one unit up: the projection's shapes, not stretched to the frame.
    fig.update_yaxes(visible=False, fixedrange=True, scaleanchor="x", scaleratio=1, zeroline=False, constrain="domain",
                     range=[min(every_y), max(every_y)])
    # The legend under the map: above it, it would wrap over the title on a phone.
    fig.update_layout(legend={"title": {"text": _("Followers"), "side": "top left"}, "traceorder": "normal", "y": 0,
                              "yanchor": "top"},
                      dragmode=False, margin={"l": 0, "r": 0, "t": 50, "b": 10})
    return fig


def countries_off_the_map(result: LocationMix) -> list[str]:
    """The countries with followers that the world map has no shape for (city states and small
    islands at 1:110 million: Singapore, Malta...), named with their follower count, largest first."""
    if result.table.empty:
        return []
    drawn = {shape.iso3 for shape in world_shapes()}
    alpha3 = alpha3_codes()
    known = result.table[result.table["country"] != "unknown"]
    return [_("{country} ({count})").format(country=country_label(c, name), count=format_number(int(n)))
            for c, name, n in zip(known["country"], known["country_name"], known["followers"], strict=True)
            if alpha3.get(c, c) not in drawn]


def countries_figure(result: LocationMix, top: int = 15, title: str | None = None) -> go.Figure:
    """Followers per country (the `top` largest, the rest and unknown grouped), horizontal bars."""
    title = title or _("Where followers say they are")
    if result.table.empty or not result.located:
        return empty_figure(title, result.reason or _("No location matched a country."))
    table = result.table
    known = table[table["country"] != "unknown"]
    shown = known.head(top)
    # The reader's language, as on the map (one name per country everywhere).
    shown = shown.assign(country_name=[country_label(c, n) for c, n in zip(shown["country"], shown["country_name"], strict=True)])
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
    # Rules v2 count profile patterns, v1 "suspicious" followers.
    v2 = "pattern" in table.columns
    counts = _("%{customdata[0]:,} audited, %{customdata[1]:,} with a profile pattern, %{customdata[2]:,} inactive") if v2 \
        else _("%{customdata[0]:,} audited, %{customdata[1]:,} suspicious, %{customdata[2]:,} inactive")
    fig = go.Figure(go.Scatter(
        x=table["snapshot_date"], y=table["quality_score"], mode="lines+markers" if len(table) < 60 else "lines",
        line={"color": FOLLOWERS_COLOR, "width": 2},
        customdata=table[["audited", "pattern" if v2 else "suspicious", "inactive"]].to_numpy(),
        hovertemplate=f"%{{x|{plotly_locale().date_format}}}: %{{y:.1%}}<br>" + counts + "<extra></extra>",
    ))
    base_layout(fig, title, _("Quality score"), HEIGHT)
    _percent_axis(fig)
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(showlegend=False)
    return fig
