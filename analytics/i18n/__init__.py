"""Palier in French and in English: gettext catalogs read with Babel, one language per session.

English is the msgid itself, so an English run needs no catalog. The French catalog is
`locales/fr/LC_MESSAGES/palier.po`, read (and compiled in memory) at first use: no `.mo` binary
is shipped, so none can be stale. `make i18n` re-extracts the strings and updates the catalog.

The current language lives in a ContextVar: Streamlit runs each session's script in its own
thread, and a thread starts from an empty context, so one visitor's choice never leaks into
another's; the command line sets it once from `PALIER_LANG`.

    from analytics.i18n import _, N_, ngettext
    _("Followers")                                       # translated now
    _("{count} rows").format(count=format_number(n))     # placeholders are named, braces style
    ngettext("{n} day", "{n} days", n).format(n=format_number(n))
    LABEL = N_("Follower list")   # module constant: marked for extraction, translated where shown: _(LABEL)
"""

from __future__ import annotations

from analytics.i18n.catalog import (
    DOMAIN,
    LOCALES_DIR,
    N_,
    _,
    catalog_path,
    ngettext,
    translations,
)
from analytics.i18n.formats import (
    babel_locale,
    format_change,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    format_summary_date,
    format_table_date,
    month_names,
    plotly_locale,
    week_start,
    weekday_names,
)
from analytics.i18n.state import (
    DEFAULT_LANGUAGE,
    LANG_ENV,
    LANGUAGES,
    current_language,
    default_language,
    normalize_language,
    set_language,
    use_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LANG_ENV",
    "LOCALES_DIR",
    "N_",
    "_",
    "babel_locale",
    "catalog_path",
    "current_language",
    "default_language",
    "format_change",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "format_summary_date",
    "format_table_date",
    "month_names",
    "ngettext",
    "normalize_language",
    "plotly_locale",
    "set_language",
    "translations",
    "use_language",
    "week_start",
    "weekday_names",
]
