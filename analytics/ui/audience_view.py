"""The Audience page's parts: the answer first (a coherence verdict saying what the score compares
against, the share of followers a quality rule flags, the top topics), then behind tabs the topic
clusters and how they changed, stayers against leavers and joiners, languages and places, the
quality audit (rules v2, filterable by rule) and the coherence in detail with its method."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.elements.lib.column_types import ColumnConfig

from analytics.charts.audience import (
    GROUP_WORDS,
    RULE_WORDS,
    cluster_change_figure,
    clusters_figure,
    coherence_histogram,
    countries_figure,
    countries_map_figure,
    countries_off_the_map,
    groups_figure,
    languages_figure,
    quality_rules_figure,
    quality_trend_figure,
)
from analytics.i18n import N_, _, format_date, format_number, format_percent, format_table_date, ngettext
from analytics.metrics.audience import GROUPS_METHOD, SAME_TOPICS_NOTE, UNKNOWN, Clusters, Coherence, coherence_method
from analytics.metrics.csvsafe import CSV_METHOD
from analytics.metrics.geo import LOCATION_METHOD
from analytics.metrics.languages import language_method
from analytics.metrics.quality import (
    INACTIVE_V2,
    PATTERN_RULES_V2,
    RULES_V2,
    RULES_VERSION_V2,
    TREND_METHOD,
    TREND_METHOD_V2,
    QualityAudit,
    quality_method,
)
from analytics.metrics.textfit import FULL_FIT, NO_TOPIC, ON_TOPIC_THRESHOLD, cluster_method
from analytics.ui import gate, lang, reads, tables
from analytics.ui.tables import localized
from analytics.ui.widgets import chart_config

# lingua's ISO codes as words: "nl" means little to most readers.
LANGUAGE_NAMES = {"en": N_("English"), "fr": N_("French"), "es": N_("Spanish"), "de": N_("German"), "it": N_("Italian"),
                  "pt": N_("Portuguese"), "nl": N_("Dutch"), UNKNOWN: N_("Unknown")}
# Profiles are untrusted text: shown only through st.dataframe, never as markdown or HTML.
# The profile fields the rules read, in words (the column names mean little to a reader).
FIELD_WORDS = {"default_avatar": N_("default avatar"), "bio": N_("bio"), "posts_count": N_("posts"),
               "following_count": N_("following"), "followers_count": N_("followers"),
               "last_post_at": N_("last post date"), "created_at": N_("creation date")}
TOP_TERMS = 10  # the table shows them all without a scroll bar
TOP_TOPICS = 3  # topics named in the page's answer
# The verdict's levels, on the share of judged followers whose bio is on-topic: most of them,
# a good part, or few. The share is what the sentence states; the level only names it.
COHERENT_SHARE = 0.5
PARTLY_SHARE = 0.2
ALL_RULES = "all"
TABS = (N_("Topics"), N_("Quality audit"), N_("Coherence in detail"), N_("Stayers, leavers and joiners"),
        N_("Languages and places"), N_("Topic change"))


def _share(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or pd.isna(value) else format_percent(value, digits)


def _score(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else format_number(value, 2)


def _people_config() -> dict[str, ColumnConfig]:
    return {_("Handle"): st.column_config.TextColumn(width="medium"),
            _("Name"): st.column_config.TextColumn(width="medium"),
            _("Bio"): st.column_config.TextColumn(width="large")}


def _people_table(frame: pd.DataFrame | Styler, key: str, people: bool, **config: ColumnConfig) -> None:
    """A list of followers, or why it is not shown (aggregates-only sharing)."""
    if not people:
        st.caption(_(gate.PEOPLE_HIDDEN))
        return
    tables.dataframe(frame, hide_index=True, key=key, column_config={**_people_config(), **config}, height=360)


# --- The answer -----------------------------------------------------------------------------------


def coherence_verdict(coherence: Coherence) -> tuple[str, str]:
    """(level, sentence): what the coherence score says in words, and what it compares against.

    A follower's fit compares the words of their bio and name with the words of the account's
    posts (their mean TF-IDF vector); on-topic means a fit of ON_TOPIC_THRESHOLD or more. The
    sentence gives the share of judged followers who are on-topic, as "n in 10", then the score's
    scale. Without posts the comparison is with the followers' own dominant topics."""
    share = coherence.on_topic_share or 0.0
    if share >= COHERENT_SHARE:
        level = "coherent"
    elif share >= PARTLY_SHARE:
        level = "partly"
    else:
        level = "scattered"
    word = {"coherent": _("Coherent"), "partly": _("Partly coherent"), "scattered": _("Scattered")}[level]
    tenths = round(share * 10)
    if coherence.basis == "followers":
        against = _("what your followers' bios talk about most (no post with text is imported, so your own "
                    "topics are unknown)")
    else:
        against = _("what your posts talk about")
    sentence = _(
        "**{verdict}**: about {tenths} in 10 of your followers ({share} of the {judged} with a bio or a name) use "
        "words close to {against}. Score {score}, from 0 (no bio shares a word with them) to 1 (every bio as "
        "close as the most on-topic quarter)."
    ).format(verdict=word, tenths=format_number(tenths), share=_share(share), judged=format_number(coherence.with_text),
             against=against, score=_score(coherence.coherence))
    return level, sentence


def _top_topics(clusters: Clusters) -> None:
    """The biggest topics with their share. Their names are words from bios (untrusted): shown as
    dataframe cells, like every other text from profiles."""
    table = clusters.table[clusters.table["cluster"] != NO_TOPIC].head(TOP_TOPICS)
    topic, share = _("Top topics"), _("Share of followers")
    tables.dataframe(pd.DataFrame({topic: table["label"], share: 100 * table["share"]}), hide_index=True,
                     key="audience_top_topics", width="stretch",
                     # No fixed width: on a phone both columns must fit, the share beside its topic.
                     column_config={share: st.column_config.ProgressColumn(
                         format=tables.progress_percent_format(), min_value=0.0, max_value=100.0)})


def answer_section(account: str, as_of: dt.date, version: int) -> None:
    """The first screen: the coherence verdict, the share of followers flagged, the top topics."""
    coherence = reads.audience_coherence(account, as_of, version)
    audit = reads.quality_audit_v2(account, version)
    clusters = reads.audience_clusters(account, as_of, version)
    if coherence.ok:
        level, sentence = coherence_verdict(coherence)
        {"coherent": st.success, "partly": st.info, "scattered": st.warning}[level](sentence)
    else:
        st.info(coherence.reason or _("Not enough data to measure coherence."))
    # One wrapping row, not st.columns: on a phone the three stay two lines, not three screens' thirds.
    cols = [st.container(horizontal=True, wrap=True, gap="small")] * 3
    cols[0].metric(_("On-topic followers"), _share(coherence.on_topic_share) if coherence.ok else "—", border=True,
                   help=_("Followers whose bio and name fit your topics at {threshold} or more (cosine similarity), "
                          "among those with a bio or a name.").format(threshold=format_number(ON_TOPIC_THRESHOLD, 2)))
    cols[1].metric(_("Coherence score"), _score(coherence.coherence) if coherence.ok else "—", border=True,
                   help=_("From 0 (no follower shares your topics) to 1 (every follower's fit reaches {full}); how it "
                          "is computed is in the tab Coherence in detail.").format(full=format_number(FULL_FIT, 2)))
    if audit.ok:
        total = audit.flagged_total if audit.flagged_total is not None else len(audit.flagged)
        cols[2].metric(_("Followers flagged"), _share(total / audit.summary.audited if audit.summary.audited else None),
                       delta=_("{count} of {audited} audited").format(count=format_number(total),
                                                                       audited=format_number(audit.summary.audited)),
                       delta_color="off", delta_arrow="off", border=True,
                       help=_("Followers a quality rule (v2) flags: inactive, a new account or a profile pattern. "
                              "Filter them by rule in the tab Quality audit."))
    else:
        cols[2].metric(_("Followers flagged"), "—", border=True, help=audit.reason)
    if clusters.ok and not clusters.table.empty:
        _top_topics(clusters)
    st.caption(_("Details, charts, full tables and methods are in the tabs below."))


# --- Coherence in detail --------------------------------------------------------------------------


def coherence_section(account: str, as_of: dt.date, version: int, people: bool) -> None:
    """How well the followers' bios fit the account's topics, with the topics and hashtags behind it."""
    coherence = reads.audience_coherence(account, as_of, version)
    if not coherence.ok:
        st.info(coherence.reason or _("Not enough data to measure coherence."))
    else:
        # The total under the number, not beside it: "999,668 of 1,000,000" does not fit a third of the page.
        st.metric(_("Followers judged"), format_number(coherence.with_text),
                  delta=_("of {followers}").format(followers=format_number(coherence.followers)),
                  delta_color="off", delta_arrow="off", border=True,
                  help=_("Followers with a bio or a name holding a word; the others cannot be judged."))
        for note in coherence.notes:
            st.info(note)
    topics_col, tags_col = st.columns([3, 2])
    with topics_col:
        st.markdown(_("**Your topics**") if coherence.basis != "followers" else _("**Your followers' dominant topics**"))
        if coherence.terms.empty:
            st.info(_("No topic words: the posts and bios hold no word Palier keeps (stop words, links and numbers "
                      "are left out)."))
        else:
            term, weight = _("Term"), _("Weight")
            # The weight as a bar only: a progress bar takes no text from a Styler, and a printf
            # pattern cannot put the French decimal comma in "0,125".
            tables.dataframe(
                pd.DataFrame({term: coherence.terms["term"], weight: coherence.terms["weight"]}).head(TOP_TERMS),
                hide_index=True, key="audience_terms",
                column_config={weight: st.column_config.ProgressColumn(
                    format=" ", min_value=0.0, max_value=float(coherence.terms["weight"].max() or 1.0))},
            )
    with tags_col:
        st.markdown(_("**Your hashtags**"))
        if coherence.hashtags.empty:
            st.info(_("No hashtag in your posts (or no post imported)."))
        else:
            tables.dataframe(localized(pd.DataFrame({_("Hashtag"): coherence.hashtags["hashtag"],
                                                     _("Uses"): coherence.hashtags["uses"]}).head(TOP_TERMS), {}, counts=True),
                             hide_index=True, key="audience_hashtags")
    if coherence.ok:
        st.plotly_chart(coherence_histogram(coherence), config=chart_config(), key="audience_coherence")
    with st.expander(_("How the coherence score is computed")):
        st.markdown(coherence_method())
    if coherence.ok and not coherence.members.empty:
        shown = len(coherence.members)
        if shown < coherence.followers:
            first = _("the {shown} best fits of {followers}").format(shown=format_number(shown),
                                                                     followers=format_number(coherence.followers))
        else:
            first = _("best fit first")
        st.markdown(_("**Followers and their fit** ({first}; followers without a bio or name at the end)").format(first=first))
        members = coherence.members.sort_values("fit", ascending=False, na_position="last", kind="stable")
        fit = _("Fit")
        _people_table(
            localized(pd.DataFrame({_("Handle"): members["handle"], _("Name"): members["name"], _("Bio"): members["bio"],
                                    fit: members["fit"].astype("float64"), _("On-topic"): members["on_topic"]}),
                      {fit: tables.number(3)}),
            "audience_fit", people, **{fit: st.column_config.NumberColumn()},
        )


# --- Topics ---------------------------------------------------------------------------------------


def clusters_section(account: str, as_of: dt.date, version: int) -> None:
    """Topic clusters of the followers of the list of `as_of`, from their bios."""
    clusters = reads.audience_clusters(account, as_of, version)
    if not clusters.ok:
        st.info(clusters.reason or _("Not enough bios to find topics."))
    else:
        st.plotly_chart(clusters_figure(clusters), config=chart_config(), key="audience_clusters")
        table = clusters.table
        top_terms, share = _("Top terms"), _("Share")
        tables.dataframe(
            localized(pd.DataFrame({_("Topic"): table["label"], top_terms: [", ".join(t) for t in table["top_terms"]],
                                    _("Followers"): table["size"], share: 100 * table["share"]}),
                      {_("Followers"): tables.number(), share: tables.percent(1, of_hundred=True)}),
            hide_index=True, key="audience_cluster_table",
            column_config={share: st.column_config.NumberColumn(),
                           top_terms: st.column_config.TextColumn(width="large")},
        )
    with st.expander(_("How topics are found")):
        st.markdown(cluster_method())


@lang.fragment
def cluster_change_section(
    account: str, sizes: dict[dt.date, int], since: dt.date, as_of: dt.date, version: int
) -> None:
    """Cluster sizes at two chosen lists; a fragment, so changing a date reruns only this part."""
    st.markdown(_("**How the topics changed between two follower lists**"))
    dates = list(sizes)
    if len(dates) < 2:
        st.info(_("Not enough data: {count} follower list; a change needs two taken on different days.").format(
            count=format_number(len(dates))))
        return
    newest_first = sorted(dates, reverse=True)

    def label(day: dt.date) -> str:
        return ngettext("{date} ({count} follower)", "{date} ({count} followers)", sizes[day]).format(
            date=format_table_date(day), count=format_number(sizes[day]))

    # The period's first and last lists by default (the latest two when the period holds one);
    # the keys hold them, so another period starts again from its own pair.
    then = since if since != as_of else newest_first[1]
    now = as_of if since != as_of else newest_first[0]
    left, right = st.columns(2)
    chosen_then = left.selectbox(_("From the list of"), newest_first, index=newest_first.index(then), format_func=label,
                                 key=f"audience_from:{account}:{then}:{now}")
    chosen_now = right.selectbox(_("To the list of"), newest_first, index=newest_first.index(now), format_func=label,
                                 key=f"audience_to:{account}:{then}:{now}")
    assert chosen_then is not None and chosen_now is not None
    with st.spinner(_("Counting the topics of the lists of {start} and {end}…").format(start=chosen_then, end=chosen_now)):
        change = reads.audience_cluster_change(account, chosen_then, chosen_now, version)
    if not change.ok:
        st.info(change.reason or _("Choose two different follower lists."))
        return
    st.plotly_chart(cluster_change_figure(change), config=chart_config(), key="audience_cluster_change")
    table = change.table
    top_terms, change_column = _("Top terms"), _("Change")
    tables.dataframe(
        localized(pd.DataFrame({_("Topic"): table["label"], top_terms: [", ".join(t) for t in table["top_terms"]],
                                _("On {date}").format(date=format_table_date(change.start)): table["size_start"],
                                _("On {date}").format(date=format_table_date(change.end)): table["size_end"],
                                change_column: table["change"]}),
                  {change_column: tables.change()}, counts=True),
        hide_index=True, key="audience_cluster_change_table",
        column_config={change_column: st.column_config.NumberColumn(),
                       top_terms: st.column_config.TextColumn(width="large")},
    )
    with st.expander(_("How the change is measured")):
        st.markdown(cluster_method() + " " + _(SAME_TOPICS_NOTE))


# --- Stayers, leavers and joiners -----------------------------------------------------------------


def groups_section(account: str, since: dt.date, as_of: dt.date, version: int) -> None:
    """Coherence of stayers, leavers and joiners between the period's first and last lists."""
    if since == as_of:
        st.info(_("Not enough data: the period holds one follower list ({date}); stayers, leavers and joiners need "
                  "two. Widen the period.").format(date=format_date(as_of)))
    else:
        with st.spinner(_("Comparing the lists of {start} and {end}…").format(start=since, end=as_of)):
            groups = reads.audience_groups(account, since, as_of, version)
        if not groups.ok:
            st.info(groups.reason or _("Not enough data to compare stayers, leavers and joiners."))
        else:
            st.caption(_("Between the lists of {start} and {end}.").format(start=format_date(since), end=format_date(as_of)))
            cols = st.columns(3)
            for col, row in zip(cols, groups.table.itertuples(), strict=True):
                col.metric(_("{group} coherence").format(group=_(GROUP_WORDS[str(row.group)])), _score(row.coherence),
                           border=True,
                           help=_("{members} followers, {with_text} with a bio or name; on-topic: {share}.").format(
                               members=format_number(row.members), with_text=format_number(row.with_text),
                               share=_share(row.on_topic_share)))
            for note in groups.notes:
                st.info(note)
            figure = groups_figure(groups)
            # The score is shown as 0.30 above: the same scale on the chart, not 30%.
            figure.update_yaxes(tickformat=".1f")
            figure.update_traces(hovertemplate=_("%{x}: coherence %{y:.2f}, on-topic %{customdata[0]:.0%} of "
                                                 "%{customdata[1]:,} judged") + "<extra></extra>")
            st.plotly_chart(figure, config=chart_config(), key="audience_groups")
    with st.expander(_("How stayers, leavers and joiners are compared")):
        st.markdown(_(GROUPS_METHOD))


# --- Languages and places -------------------------------------------------------------------------


def languages_and_places(account: str, as_of: dt.date, version: int) -> None:
    """The followers' countries on a world map (the bars beside it as its table), then their bio
    languages against the posts'.

    The map is drawn from outlines kept in the repository (analytics.charts.worldmap): Plotly's
    geo subplot would fetch its world outline from cdn.plot.ly, and Palier makes no request to
    another host."""
    places = reads.audience_locations(account, as_of, version)
    if not places.ok:
        st.info(places.reason or _("No follower location matched a country."))
    else:
        st.plotly_chart(countries_map_figure(places), config=chart_config(), key="audience_countries_map")
        st.caption(_("{located} of {followers} followers ({share}) have a location that names a country.").format(
            located=format_number(places.located), followers=format_number(places.followers),
            share=_share(places.located / places.followers if places.followers else None)))
        missing = countries_off_the_map(places)
        if missing:
            st.caption(_("Too small to show at this scale: {countries}.").format(countries=", ".join(missing)))
    lang_col, place_col = st.columns(2)
    with lang_col:
        languages = reads.audience_languages(account, as_of, version)
        if not languages.ok:
            st.info(languages.reason or _("Not enough data to detect languages."))
        else:
            figure = languages_figure(languages)
            codes = languages.table["language"].tolist()
            figure.update_xaxes(tickmode="array", tickvals=codes,
                                ticktext=[_(LANGUAGE_NAMES[c]) if c in LANGUAGE_NAMES else c for c in codes])
            st.plotly_chart(figure, config=chart_config(), key="audience_languages")
            if not languages.posts:
                st.info(_("No post with text imported: only the followers' languages are shown."))
            st.caption(_("{bios} bios and {posts} posts; each bio's language is detected once, when its profile is "
                         "first analysed.").format(bios=format_number(languages.followers), posts=format_number(languages.posts)))
        with st.expander(_("How languages are detected")):
            st.markdown(language_method())
    with place_col:
        if places.ok:
            st.plotly_chart(countries_figure(places, title=_("Followers per country")), config=chart_config(),
                            key="audience_countries")
        with st.expander(_("How places are matched to countries")):
            st.markdown(_(LOCATION_METHOD))


# --- Quality audit (rules v2) ---------------------------------------------------------------------


def _rule_word(name: str) -> str:
    return _(RULE_WORDS[name]) if name in RULE_WORDS else name


def _rules_table() -> None:
    """The published v2 rules: what flags a follower and what it counts as."""
    counts_as = _("Counts as")
    tables.dataframe(
        pd.DataFrame({
            _("Rule"): [_rule_word(r.name) for r in RULES_V2],
            _("Flags a follower when"): [_(r.text) for r in RULES_V2],
            counts_as: [_("profile pattern") if r.name in PATTERN_RULES_V2 else
                        (_("inactive") if r is INACTIVE_V2 else _("shown only")) for r in RULES_V2],
            _("Reads"): [", ".join(_(FIELD_WORDS[f]) if f in FIELD_WORDS else f for f in r.fields) for r in RULES_V2],
        }),
        hide_index=True, key="audience_rules",
        # The rule's text is what a reader needs whole: the widest column, the others sized to their words.
        column_config={_("Rule"): st.column_config.TextColumn(width=150),
                       _("Flags a follower when"): st.column_config.TextColumn(width=520),
                       counts_as: st.column_config.TextColumn(width=110)},
    )


def flagged_by_rule(audit: QualityAudit, rule: str) -> pd.DataFrame:
    """The flagged followers shown for one rule (ALL_RULES: every one)."""
    if rule == ALL_RULES or rule not in audit.flagged.columns:
        return audit.flagged
    return audit.flagged[audit.flagged[rule].astype(bool)]


def _flagged_list(account: str, as_of: dt.date, audit: QualityAudit, people: bool) -> None:
    """The flagged followers, filterable by rule with a count per rule."""
    summary = audit.summary
    total = audit.flagged_total if audit.flagged_total is not None else len(audit.flagged)
    options = [ALL_RULES, *(r.name for r in RULES_V2 if summary.counts.get(r.name, 0))]

    def option_label(name: str) -> str:
        count = total if name == ALL_RULES else summary.counts[name]
        word = _("All flagged") if name == ALL_RULES else _rule_word(name)
        return _("{rule} ({count})").format(rule=word, count=format_number(count))

    chosen = st.segmented_control(_("Flagged followers by rule"), options, default=ALL_RULES, format_func=option_label,
                                  key=f"audience_rule_filter:{account}")
    chosen = chosen or ALL_RULES
    shown = flagged_by_rule(audit, chosen)
    count = total if chosen == ALL_RULES else summary.counts[chosen]
    if len(audit.flagged) < total:
        st.caption(_("{count} followers; the table holds those among the first {listed} flagged (by handle key), the "
                     "CSV all of them.").format(count=format_number(count), listed=format_number(len(audit.flagged))))
    if shown.empty:
        st.info(_("No audited follower hits a rule."))
        return
    if not people:
        st.caption(_(gate.PEOPLE_HIDDEN))
        return
    rules = shown["rules"].map(lambda names: ", ".join(_rule_word(n) for n in str(names).split(", ") if n))
    followers, following, posts = _("Followers"), _("Following"), _("Posts")
    last_post, created, rules_column = _("Last post"), _("Created"), _("Rules")
    _people_table(
        localized(pd.DataFrame({_("Handle"): shown["handle"], rules_column: rules, _("Name"): shown["name"], _("Bio"): shown["bio"],
                                followers: shown["followers_count"], following: shown["following_count"],
                                posts: shown["posts_count"], last_post: shown["last_post_at"], created: shown["created_at"]}),
                  {}, counts=True),
        "audience_flagged", people,
        **{rules_column: st.column_config.TextColumn(width="medium"),
           followers: st.column_config.NumberColumn(),
           following: st.column_config.NumberColumn(),
           posts: st.column_config.NumberColumn(),
           last_post: st.column_config.DatetimeColumn(format=tables.date_column_format()),
           created: st.column_config.DatetimeColumn(format=tables.date_column_format())},
    )
    st.download_button(
        _("Download the flagged list (CSV, rules {version})").format(version=RULES_VERSION_V2),
        data=lambda: reads.flagged_csv_v2(account),
        file_name=f"palier-flagged-{summary.snapshot_date or as_of}.csv", mime="text/csv", on_click="ignore",
        icon=":material/download:", key="audience_flagged_csv", help=_(CSV_METHOD),
    )


def quality_audit_section(account: str, as_of: dt.date, version: int, people: bool) -> None:
    """The audit of the latest list under rules v2, the flagged followers by rule, the trend, the rules."""
    audit = reads.quality_audit_v2(account, version)
    if not audit.ok:
        st.info(audit.reason or _("The audit cannot run on this follower list."))
    else:
        summary = audit.summary
        if summary.snapshot_date is not None and summary.snapshot_date != as_of:
            st.caption(_("The audit is of the latest follower list ({date}), whatever the period.").format(
                date=format_date(summary.snapshot_date)))
        cols = st.columns(4)
        cols[0].metric(_("Audience quality score"), _share(summary.quality_score), border=True,
                       help=_("Share of audited followers with no profile pattern and not inactive."))
        # The count alone: "2,553 of 2,553" does not fit a quarter of the page.
        cols[1].metric(_("Followers audited"), format_number(summary.audited), border=True,
                       help=_("{audited} of the {followers} followers of the list have at least one field a rule "
                              "reads.").format(audited=format_number(summary.audited), followers=format_number(summary.followers)))
        cols[2].metric(_("Profile patterns"), format_number(summary.suspicious_total), border=True,
                       help=_("Default profile, no posts with many follows, or follows many (a follower showing "
                              "several counts once). What a profile shows, not a judgement of the person."))
        cols[3].metric(_("Inactive"), format_number(summary.counts[INACTIVE_V2.name]), border=True, help=_(INACTIVE_V2.text))
        for note in audit.notes:
            st.info(note)
        _flagged_list(account, as_of, audit, people)
        with st.expander(_("Counts per rule and the score over time")):
            followers_column, share_column = _("Followers"), _("Share of audited")
            tables.dataframe(
                localized(pd.DataFrame({_("Rule"): [_rule_word(r.name) for r in RULES_V2],
                                        followers_column: [summary.counts[r.name] for r in RULES_V2],
                                        share_column: [100 * summary.counts[r.name] / summary.audited for r in RULES_V2]}),
                          {followers_column: tables.number(), share_column: tables.percent(1, of_hundred=True)}),
                hide_index=True, key="audience_rule_counts",
                column_config={followers_column: st.column_config.NumberColumn(),
                               share_column: st.column_config.NumberColumn()},
            )
            st.plotly_chart(quality_rules_figure(audit), config=chart_config(), key="audience_quality_rules")
            # The same rules as the score above (v2): its last point is that score.
            trend = reads.quality_trend_v2(account, version)
            if not trend.ok:
                st.info(trend.reason or _("Not enough follower lists for a trend."))
            else:
                st.plotly_chart(quality_trend_figure(trend, _("Audience quality score over time (rules {version})").format(
                                    version=RULES_VERSION_V2)),
                                config=chart_config(), key="audience_quality_trend")
    with st.expander(_("The rules and how the audit works")):
        _rules_table()
        st.markdown(audit.method)
        st.markdown(_(TREND_METHOD_V2).format(version=RULES_VERSION_V2))
        st.markdown(_("Rules v1, still documented:"))
        st.markdown(quality_method())
        st.markdown(_(TREND_METHOD))
