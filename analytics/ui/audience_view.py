"""The Audience page's parts: coherence with the editorial line, topic clusters and how they
changed, stayers against leavers and joiners, languages and places, the follower quality audit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.charts.audience import (
    GROUP_WORDS,
    RULE_WORDS,
    cluster_change_figure,
    clusters_figure,
    coherence_histogram,
    countries_figure,
    groups_figure,
    languages_figure,
    quality_rules_figure,
    quality_trend_figure,
)
from analytics.metrics.audience import GROUPS_METHOD, LANGUAGE_METHOD, METHOD, UNKNOWN
from analytics.metrics.csvsafe import CSV_METHOD
from analytics.metrics.geo import LOCATION_METHOD
from analytics.metrics.quality import INACTIVE, RULES, RULES_VERSION, SUSPICIOUS_RULES, TREND_METHOD
from analytics.metrics.textfit import CLUSTER_METHOD
from analytics.ui import gate, reads
from analytics.ui.widgets import CHART_CONFIG

# lingua's ISO codes as words: "nl" means little to most readers.
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
                  "pt": "Portuguese", "nl": "Dutch", UNKNOWN: "Unknown"}
# Profiles are untrusted text: shown only through st.dataframe, never as markdown or HTML.
PEOPLE_CONFIG = {
    "Handle": st.column_config.TextColumn(width="medium"),
    "Name": st.column_config.TextColumn(width="medium"),
    "Bio": st.column_config.TextColumn(width="large"),
}
# The profile fields the rules read, in words (the column names mean little to a reader).
FIELD_WORDS = {"default_avatar": "default avatar", "bio": "bio", "posts_count": "posts", "following_count": "following",
               "followers_count": "followers", "last_post_at": "last post date", "created_at": "creation date"}
TOP_TERMS = 10  # the table shows them all without a scroll bar


def _share(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def _people_table(frame: pd.DataFrame, key: str, people: bool, **config: object) -> None:
    """A list of followers, or why it is not shown (aggregates-only sharing)."""
    if not people:
        st.caption(gate.PEOPLE_HIDDEN)
        return
    st.dataframe(frame, hide_index=True, key=key, column_config={**PEOPLE_CONFIG, **config}, height=360)


def coherence_section(account: str, as_of: dt.date, version: int, people: bool) -> None:
    """How well the followers' bios fit the account's topics, with the topics and hashtags behind it."""
    coherence = reads.audience_coherence(account, as_of, version)
    if not coherence.ok:
        st.info(coherence.reason or "Not enough data to measure coherence.")
    else:
        cols = st.columns(3)
        cols[0].metric("Coherence score", f"{coherence.coherence:.2f}" if coherence.coherence is not None else "—",
                       border=True, help="From 0 (no follower shares your topics) to 1 (every follower's bio is fully on "
                       "your topics); how it is computed is under the chart.")
        cols[1].metric("On-topic followers", _share(coherence.on_topic_share), border=True,
                       help=f"Followers whose fit is {coherence.threshold:.2f} or more, among those with a bio or name.")
        # The total under the number, not beside it: "999,668 of 1,000,000" does not fit a third of the page.
        cols[2].metric("Followers judged", f"{coherence.with_text:,}", delta=f"of {coherence.followers:,}",
                       delta_color="off", delta_arrow="off", border=True,
                       help="Followers with a bio or a name holding a word; the others cannot be judged.")
        for note in coherence.notes:
            st.info(note)
    topics_col, tags_col = st.columns([3, 2])
    with topics_col:
        st.markdown("**Your topics**" if coherence.basis != "followers" else "**Your followers' dominant topics**")
        if coherence.terms.empty:
            st.info("No topic words: the posts and bios hold no word Palier keeps (stop words, links and numbers are left out).")
        else:
            st.dataframe(
                pd.DataFrame({"Term": coherence.terms["term"], "Weight": coherence.terms["weight"]}).head(TOP_TERMS),
                hide_index=True, key="audience_terms",
                column_config={"Weight": st.column_config.ProgressColumn(
                    format="%.3f", min_value=0.0, max_value=float(coherence.terms["weight"].max() or 1.0))},
            )
    with tags_col:
        st.markdown("**Your hashtags**")
        if coherence.hashtags.empty:
            st.info("No hashtag in your posts (or no post imported).")
        else:
            st.dataframe(pd.DataFrame({"Hashtag": coherence.hashtags["hashtag"], "Uses": coherence.hashtags["uses"]}).head(TOP_TERMS),
                         hide_index=True, key="audience_hashtags")
    if coherence.ok:
        st.plotly_chart(coherence_histogram(coherence), config=CHART_CONFIG, key="audience_coherence")
    with st.expander("How the coherence score is computed"):
        st.markdown(METHOD)
    if coherence.ok and not coherence.members.empty:
        shown = len(coherence.members)
        first = f"the {shown:,} best fits of {coherence.followers:,}" if shown < coherence.followers else "best fit first"
        st.markdown(f"**Followers and their fit** ({first}; followers without a bio or name at the end)")
        members = coherence.members.sort_values("fit", ascending=False, na_position="last", kind="stable")
        _people_table(
            pd.DataFrame({"Handle": members["handle"], "Name": members["name"], "Bio": members["bio"],
                          "Fit": members["fit"].astype("float64"), "On-topic": members["on_topic"]}),
            "audience_fit", people, Fit=st.column_config.NumberColumn(format="%.3f"),
        )


def clusters_section(account: str, as_of: dt.date, version: int) -> None:
    """Topic clusters of the followers of the list of `as_of`, from their bios."""
    clusters = reads.audience_clusters(account, as_of, version)
    if not clusters.ok:
        st.info(clusters.reason or "Not enough bios to find topics.")
    else:
        st.plotly_chart(clusters_figure(clusters), config=CHART_CONFIG, key="audience_clusters")
        table = clusters.table
        st.dataframe(
            pd.DataFrame({"Topic": table["label"], "Top terms": [", ".join(t) for t in table["top_terms"]],
                          "Followers": table["size"], "Share": 100 * table["share"]}),
            hide_index=True, key="audience_cluster_table",
            column_config={"Share": st.column_config.NumberColumn(format="%.1f%%"),
                           "Top terms": st.column_config.TextColumn(width="large")},
        )
    with st.expander("How topics are found"):
        st.markdown(CLUSTER_METHOD)



@st.fragment
def cluster_change_section(
    account: str, sizes: dict[dt.date, int], since: dt.date, as_of: dt.date, version: int
) -> None:
    """Cluster sizes at two chosen lists; a fragment, so changing a date reruns only this part."""
    st.markdown("**How the topics changed between two follower lists**")
    dates = list(sizes)
    if len(dates) < 2:
        st.info(f"Not enough data: {len(dates)} follower list; a change needs two taken on different days.")
        return
    newest_first = sorted(dates, reverse=True)

    def label(day: dt.date) -> str:
        return f"{day.isoformat()} ({sizes[day]:,} followers)"

    # The period's first and last lists by default (the latest two when the period holds one);
    # the keys hold them, so another period starts again from its own pair.
    then = since if since != as_of else newest_first[1]
    now = as_of if since != as_of else newest_first[0]
    left, right = st.columns(2)
    chosen_then = left.selectbox("From the list of", newest_first, index=newest_first.index(then), format_func=label,
                                 key=f"audience_from:{account}:{then}:{now}")
    chosen_now = right.selectbox("To the list of", newest_first, index=newest_first.index(now), format_func=label,
                                 key=f"audience_to:{account}:{then}:{now}")
    assert chosen_then is not None and chosen_now is not None
    with st.spinner(f"Counting the topics of the lists of {chosen_then} and {chosen_now}…"):
        change = reads.audience_cluster_change(account, chosen_then, chosen_now, version)
    if not change.ok:
        st.info(change.reason or "Choose two different follower lists.")
        return
    st.plotly_chart(cluster_change_figure(change), config=CHART_CONFIG, key="audience_cluster_change")
    table = change.table
    st.dataframe(
        pd.DataFrame({"Topic": table["label"], "Top terms": [", ".join(t) for t in table["top_terms"]],
                      f"On {change.start}": table["size_start"], f"On {change.end}": table["size_end"],
                      "Change": table["change"]}),
        hide_index=True, key="audience_cluster_change_table",
        column_config={"Change": st.column_config.NumberColumn(format="%+d"),
                       "Top terms": st.column_config.TextColumn(width="large")},
    )
    with st.expander("How the change is measured"):
        st.markdown(change.method)



def groups_section(account: str, since: dt.date, as_of: dt.date, version: int) -> None:
    """Coherence of stayers, leavers and joiners between the period's first and last lists."""
    if since == as_of:
        st.info(f"Not enough data: the period holds one follower list ({as_of:%d %b %Y}); stayers, leavers and "
                "joiners need two. Widen the period.")
    else:
        with st.spinner(f"Comparing the lists of {since} and {as_of}…"):
            groups = reads.audience_groups(account, since, as_of, version)
        if not groups.ok:
            st.info(groups.reason or "Not enough data to compare stayers, leavers and joiners.")
        else:
            st.caption(f"Between the lists of {since:%d %b %Y} and {as_of:%d %b %Y}.")
            cols = st.columns(3)
            for col, row in zip(cols, groups.table.itertuples(), strict=True):
                value = "—" if pd.isna(row.coherence) else f"{row.coherence:.2f}"
                col.metric(f"{GROUP_WORDS[str(row.group)]} coherence", value, border=True,
                           help=f"{row.members:,} followers, {row.with_text:,} with a bio or name; "
                           f"on-topic: {_share(row.on_topic_share)}.")
            for note in groups.notes:
                st.info(note)
            figure = groups_figure(groups)
            # The score is shown as 0.30 above: the same scale on the chart, not 30%.
            figure.update_yaxes(tickformat=".1f")
            figure.update_traces(hovertemplate="%{x}: coherence %{y:.2f}, on-topic %{customdata[0]:.0%} of "
                                 "%{customdata[1]:,} judged<extra></extra>")
            st.plotly_chart(figure, config=CHART_CONFIG, key="audience_groups")
    with st.expander("How stayers, leavers and joiners are compared"):
        st.markdown(GROUPS_METHOD)


def languages_and_places(account: str, as_of: dt.date, version: int) -> None:
    """The followers' bio languages against the posts', and their countries."""
    lang_col, place_col = st.columns(2)
    with lang_col:
        languages = reads.audience_languages(account, as_of, version)
        if not languages.ok:
            st.info(languages.reason or "Not enough data to detect languages.")
        else:
            figure = languages_figure(languages)
            codes = languages.table["language"].tolist()
            figure.update_xaxes(tickmode="array", tickvals=codes, ticktext=[LANGUAGE_NAMES.get(c, c) for c in codes])
            st.plotly_chart(figure, config=CHART_CONFIG, key="audience_languages")
            if not languages.posts:
                st.info("No post with text imported: only the followers' languages are shown.")
            st.caption(f"{languages.followers:,} bios and {languages.posts:,} posts; each bio's language is detected once, "
                       "when its profile is first analysed.")
        with st.expander("How languages are detected"):
            st.markdown(LANGUAGE_METHOD)
    with place_col:
        places = reads.audience_locations(account, as_of, version)
        if not places.ok:
            st.info(places.reason or "No follower location matched a country.")
        else:
            st.plotly_chart(countries_figure(places), config=CHART_CONFIG, key="audience_countries")
            st.caption(f"{places.located:,} of {places.followers:,} followers ({_share(places.located / places.followers if places.followers else None)}) "
                       "have a location that names a country.")
        with st.expander("How places are matched to countries"):
            st.markdown(LOCATION_METHOD)


def quality_audit_section(account: str, as_of: dt.date, version: int, people: bool) -> None:
    """The published rules, the audit of the latest list, its trend and the flagged followers."""
    st.dataframe(
        pd.DataFrame({
            "Rule": [RULE_WORDS.get(r.name, r.name) for r in RULES],
            "Flags a follower when": [r.text for r in RULES],
            "Counts as": ["suspicious" if r.name in SUSPICIOUS_RULES else ("low quality" if r is INACTIVE else "shown only")
                          for r in RULES],
            "Reads": [", ".join(FIELD_WORDS.get(f, f) for f in r.fields) for r in RULES],
        }),
        hide_index=True, key="audience_rules",
        # The rule's text is what a reader needs whole: the widest column, the others sized to their words.
        column_config={"Rule": st.column_config.TextColumn(width=115),
                       "Flags a follower when": st.column_config.TextColumn(width=520),
                       "Counts as": st.column_config.TextColumn(width=100)},
    )
    st.caption("Quality score = share of audited followers neither suspicious (egg, spam-like, mass follower) nor "
               "inactive. New accounts are shown, not counted against you. A rule never flags a follower on a "
               "missing field.")
    audit = reads.quality_audit(account, version)
    if not audit.ok:
        st.info(audit.reason or "The audit cannot run on this follower list.")
    else:
        summary = audit.summary
        if summary.snapshot_date is not None and summary.snapshot_date != as_of:
            st.caption(f"The audit is of the latest follower list ({summary.snapshot_date:%d %b %Y}), whatever the period.")
        cols = st.columns(4)
        cols[0].metric("Audience quality score", _share(summary.quality_score), border=True,
                       help="Share of audited followers neither suspicious nor inactive.")
        # The count alone: "2,553 of 2,553" does not fit a quarter of the page.
        cols[1].metric("Followers audited", f"{summary.audited:,}", border=True,
                       help=f"{summary.audited:,} of the {summary.followers:,} followers of the list have at least one "
                       "field a rule reads.")
        cols[2].metric("Suspicious", f"{summary.suspicious_total:,}", border=True,
                       help="Egg, spam-like or mass follower (a follower hitting several counts once).")
        cols[3].metric("Inactive", f"{summary.counts[INACTIVE.name]:,}", border=True, help=INACTIVE.text)
        for note in audit.notes:
            st.info(note)
        st.dataframe(
            pd.DataFrame({"Rule": [RULE_WORDS.get(r.name, r.name) for r in RULES],
                          "Followers": [summary.counts[r.name] for r in RULES],
                          "Share of audited": [100 * summary.counts[r.name] / summary.audited for r in RULES]}),
            hide_index=True, key="audience_rule_counts",
            column_config={"Followers": st.column_config.NumberColumn(format="localized"),
                           "Share of audited": st.column_config.NumberColumn(format="%.1f%%")},
        )
        rules_col, trend_col = st.columns(2)
        rules_col.plotly_chart(quality_rules_figure(audit), config=CHART_CONFIG, key="audience_quality_rules")
        trend = reads.quality_trend(account, version)
        with trend_col:
            if not trend.ok:
                st.info(trend.reason or "Not enough follower lists for a trend.")
            else:
                st.plotly_chart(quality_trend_figure(trend), config=CHART_CONFIG, key="audience_quality_trend")
        total = audit.flagged_total if audit.flagged_total is not None else len(audit.flagged)
        listed = f"; the first {len(audit.flagged):,} below, all of them in the CSV" if len(audit.flagged) < total else ""
        st.markdown(f"**Flagged followers** ({total:,}, with the rules each one hits{listed})")
        if audit.flagged.empty:
            st.info("No audited follower hits a rule.")
        elif people:
            flagged = audit.flagged
            _people_table(
                pd.DataFrame({"Handle": flagged["handle"], "Rules": flagged["rules"], "Name": flagged["name"],
                              "Bio": flagged["bio"], "Followers": flagged["followers_count"],
                              "Following": flagged["following_count"], "Posts": flagged["posts_count"],
                              "Last post": flagged["last_post_at"], "Created": flagged["created_at"]}),
                "audience_flagged", people,
                Rules=st.column_config.TextColumn(width="medium"),
                Followers=st.column_config.NumberColumn(format="localized"),
                Following=st.column_config.NumberColumn(format="localized"),
                Posts=st.column_config.NumberColumn(format="localized"),
                **{"Last post": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
                   "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD")},
            )
            st.download_button(
                f"Download the flagged list (CSV, rules {RULES_VERSION})", data=lambda: reads.flagged_csv(account),
                file_name=f"palier-flagged-{summary.snapshot_date or as_of}.csv", mime="text/csv", on_click="ignore",
                icon=":material/download:", key="audience_flagged_csv", help=CSV_METHOD,
            )
        else:
            st.caption(gate.PEOPLE_HIDDEN)
    with st.expander("How the audit works"):
        st.markdown(audit.method)
        st.markdown(TREND_METHOD)
