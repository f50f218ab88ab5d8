"""Who gets in, and through which door: sign-in, roles, the pages a visitor may open.

The rules are pure in `analytics.access`; this module only reads the secrets, draws the sign-in
form and remembers who signed in, in this browser session's own session_state (never in a cache:
caches are shared by every visitor of a hosted app).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import streamlit as st
from streamlit import config as _st_config
from streamlit.runtime.pages_manager import PagesManager

from analytics import access
from analytics.i18n import N_, _, set_language
from analytics.ui.lang import session_language
from analytics.ui.text import escape_markdown, show_error, stop_with_error

# Pages only an owner may open: import and delete, collect, settings. Matched on the page's url_path.
OWNER_ONLY_PAGES = frozenset({"import", "collect", "settings"})
PEOPLE_HIDDEN = N_("This Palier is shared as figures only: follower names, handles and bios are not shown.")
OWNER_ONLY = N_("Only the owner of this Palier can import, delete or change settings.")
_VISITOR_KEY = "palier_visitor"
_THROTTLE = access.SignInThrottle()


@dataclass(frozen=True)
class Visitor:
    role: access.Role
    method: Literal["local", "oidc", "password"]
    name: str | None
    config: access.AccessConfig
    # Which stored hash admitted a password visitor: when the owner changes or removes it,
    # sessions it opened lose their role at their next run.
    proof: bytes = b""


def _secrets() -> dict[str, Any]:
    """st.secrets as a dict; {} when no secrets file exists. A file that exists but cannot be
    read is an error, never "no secrets": that would open a shared app to everyone."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        paths = [Path(p).expanduser() for p in (_st_config.get_option("secrets.files") or [])]
        if any(p.exists() for p in paths):
            raise access.AccessConfigError(
                _("The secrets file cannot be read (is it valid TOML?): nobody can sign in until it is fixed.")
            ) from None
        return {}


def access_config() -> access.AccessConfig:
    """The sharing settings. Raises `access.AccessConfigError`."""
    return access.parse_config(_secrets())



def _oidc_identity() -> dict[str, Any] | None:
    """st.user when someone signed in with OpenID Connect, else None."""
    user = st.user
    if user.get("is_logged_in") is not True:
        return None
    return {k: user.get(k) for k in ("email", "email_verified", "name")}


def _password_proof(config: access.AccessConfig, role: access.Role) -> bytes:
    hashed = config.owner_password if role == access.OWNER else config.viewer_password
    return hashed.digest if hashed else b""


def _sign_in_form(config: access.AccessConfig) -> None:
    st.title("Palier")
    st.markdown(_("This Palier is shared: sign in to see it."))
    for provider in config.oidc_providers:
        label = _("Sign in with {provider}").format(provider=provider.title()) if provider else _("Sign in")
        if st.button(label, type="primary", icon=":material/login:", key=f"palier_login_{provider or 'default'}"):
            if provider:
                st.login(provider)
            else:
                st.login()
    if not config.passwords:
        return
    with st.form("palier_password_form", clear_on_submit=True):
        password = st.text_input(_("Password"), type="password", key="palier_password")
        submitted = st.form_submit_button(_("Sign in with the password"))
    if not submitted:
        return
    decision = _THROTTLE.sign_in(config, password or "")
    if decision.role is None:
        st.error(decision.reason)
        return
    st.session_state[_VISITOR_KEY] = Visitor(
        decision.role, "password", decision.role, config, _password_proof(config, decision.role)
    )
    st.rerun()


def _signed_in(config: access.AccessConfig) -> Visitor | None:
    saved = st.session_state.get(_VISITOR_KEY)
    if isinstance(saved, Visitor) and saved.method == "password":
        if saved.proof and saved.proof == _password_proof(config, saved.role):
            return Visitor(saved.role, "password", saved.name, config, saved.proof)
        st.session_state.pop(_VISITOR_KEY, None)
    identity = _oidc_identity() if config.oidc_providers else None
    if identity is None:
        return None
    decision = access.decide(config, email=identity.get("email"), email_verified=identity.get("email_verified"))
    if decision.role is None:
        st.title("Palier")
        show_error(decision.reason)
        if st.button(_("Sign out"), key="palier_refused_logout"):
            st.logout()
        st.stop()
    return Visitor(decision.role, "oidc", str(identity.get("email")), config)


def require_access() -> Visitor:
    """Who is visiting; when sharing is configured and nobody has signed in, the sign-in
    form and the end of this run. Call first on every run (app.py does)."""
    try:
        config = access_config()
    except access.AccessConfigError as exc:
        st.title("Palier")
        stop_with_error(_("Sharing is misconfigured, so nobody can see this Palier: {error}").format(error=exc))
    if not config.sharing:
        return Visitor(access.OWNER, "local", None, config)
    visitor = _signed_in(config)
    if visitor is None:
        _sign_in_form(config)
        st.stop()
    return visitor


def show_visitor(visitor: Visitor) -> None:
    """Who is signed in, with what role, and a way out (in the sidebar); nothing locally."""
    if visitor.method == "local":
        return
    with st.sidebar:
        if visitor.role == access.OWNER:
            what = _("owner")
        elif visitor.config.share_mode == "aggregates":
            what = _("viewer, figures only")
        else:
            what = _("viewer")
        if visitor.method == "oidc":
            who = _("{name} ({role})").format(name=visitor.name, role=what)
        else:
            who = _("Signed in as {role}").format(role=what)
        st.caption(escape_markdown(who))
        if visitor.method == "oidc":
            if st.button(_("Sign out"), icon=":material/logout:", key="palier_logout"):
                st.logout()
        else:
            # A callback runs before the next run draws anything: that run is already signed out.
            st.button(_("Sign out"), icon=":material/logout:", key="palier_logout", on_click=_forget_visitor)


def _forget_visitor() -> None:
    st.session_state.pop(_VISITOR_KEY, None)


def through_app_navigation() -> None:
    """Make sure this run went through app.py's navigation; if not, rerun so that it does.

    A `pages/` folder beside app.py makes Streamlit start each server in its older navigation
    (a page per file of the folder), which it leaves only once app.py has called st.navigation.
    So when the first visit after a start asks for a page by its address (a bookmark of /churn),
    Streamlit runs pages/churn.py by itself: the sidebar lists the files ("app", "activity"),
    an address that is not a file's name is "not found" (so the Import page's file is import.py,
    after its address /import), and every later visitor of that server gets the same.
    Called first by every page: the older navigation is switched off and the run starts again,
    through app.py, on the page asked for. (app.py needs no call: when the older navigation runs
    it, its st.navigation takes over and switches the older one off itself.)
    """
    # A page run without app.py (that first visit, AppTest's switch_page) still speaks the
    # session's language; through app.py this only sets it again.
    set_language(session_language())
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        # Only a session's first run starts again: a later one may carry a click, which a rerun
        # would drop. (A server leaves the older navigation on its first run; AppTest, which
        # turns it back on for every run, only ever gets here on later ones.)
        if not st.session_state:
            st.rerun()


def visible_pages(pages: Sequence[Any], visitor: Visitor) -> list[Any]:
    """The pages of the navigation this visitor may open: viewers lose import, collect and settings
    (a page left out of st.navigation cannot be reached by its URL either)."""
    if access.can_import(visitor.role):
        return list(pages)
    return [page for page in pages if getattr(page, "url_path", "") not in OWNER_ONLY_PAGES]


def require_owner() -> Visitor:
    """For owner-only pages: a viewer who reaches one anyway gets a message, not the page."""
    visitor = require_access()
    if not access.can_import(visitor.role):
        stop_with_error(_(OWNER_ONLY))
    return visitor


def is_owner() -> bool:
    return access.can_import(require_access().role)


def can_see_people() -> bool:
    """Whether this visitor may see followers' names, handles and bios. Pages that list
    people (Churn's joiners and leavers, Audience, Meetups) show their tables only when True,
    and say why when not."""
    visitor = require_access()
    return access.can_see_people(visitor.config, visitor.role)

