"""Sharing: the pure sign-in rules of `analytics.access`, then the gate as pages run it (AppTest).

The rules are checked as functions (secrets dict + identity -> role or refusal); the AppTests
check that the pages obey them: nothing before sign-in, no Import page for viewers, no follower
names for viewers of an aggregates-only share, and that cached reads never hold an upload.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.access import AccessConfigError, Decision, Throttle, decide, hash_password, parse_config, verify_password
from analytics.store import open_store
from tests.conftest import import_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
# The minimum keeps the tests fast; the default (600,000) is what `hash-password` writes.
FAST = access.MIN_ITERATIONS
OWNER_PW, VIEWER_PW = "owner correct horse", "viewer battery staple"
OWNER_HASH = hash_password(OWNER_PW, iterations=FAST)
VIEWER_HASH = hash_password(VIEWER_PW, iterations=FAST)
OIDC = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "palier",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
}


def passwords(**extra: Any) -> dict[str, Any]:
    return {"palier": {"owner_password_hash": OWNER_HASH, "viewer_password_hash": VIEWER_HASH, **extra}}


def emails(**extra: Any) -> dict[str, Any]:
    return {
        "auth": OIDC,
        "palier": {"owner_emails": ["Me@Example.com"], "viewer_emails": ["client@corp.example", "@team.example"], **extra},
    }


# --- passwords --------------------------------------------------------------------------------


def test_hash_round_trip_and_format() -> None:
    encoded = hash_password("s3cret", iterations=FAST)
    scheme, iterations, salt, digest = encoded.split("$")
    assert scheme == "pbkdf2_sha256" and int(iterations) == FAST and salt and digest
    assert verify_password("s3cret", encoded)
    assert not verify_password("s3cret ", encoded)
    assert not verify_password("", encoded)
    # A fresh salt each time: the same password never gives the same string.
    assert hash_password("s3cret", iterations=FAST) != encoded
    assert "s3cret" not in encoded


def test_default_hash_is_pbkdf2_sha256_with_600k_iterations() -> None:
    assert hash_password("x").split("$")[:2] == ["pbkdf2_sha256", "600000"]


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = access.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    assert verify_password("s3cret", hash_password("s3cret", iterations=FAST))
    assert len(calls) == 1


@pytest.mark.parametrize(
    "encoded",
    ["s3cret", "", "pbkdf2_sha256$600000$abc", "md5$1$aa$bb", "pbkdf2_sha256$many$abcd$efgh",
     "pbkdf2_sha256$1000$" + "A" * 22 + "$" + "A" * 43],
)
def test_malformed_or_weak_hashes_match_nothing_and_are_config_errors(encoded: str) -> None:
    assert not verify_password("s3cret", encoded)
    with pytest.raises(AccessConfigError):
        parse_config({"palier": {"owner_password_hash": encoded}})


def test_hashing_refuses_an_empty_password_and_few_iterations() -> None:
    with pytest.raises(ValueError):
        hash_password("")
    with pytest.raises(ValueError):
        hash_password("x", iterations=1000)


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("secrets", [None, {}, {"palier": {}}, {"palier": {"share_mode": "aggregates"}}, {"other": {"a": 1}}])
def test_no_sharing_configured_means_local_owner(secrets: dict[str, Any] | None) -> None:
    config = parse_config(secrets)
    assert not config.sharing
    assert decide(config) == Decision("owner")


def test_db_from_secrets() -> None:
    assert parse_config({"palier": {"db": " /data/palier.duckdb "}}).db == "/data/palier.duckdb"
    with pytest.raises(AccessConfigError):
        parse_config({"palier": {"db": ""}})


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({"palier": {"owner_password": "plain"}}, "unknown settings"),  # a typo must not leave it open
        ({"palier": {"share_mode": "names"}}, "share_mode"),
        ({"palier": {"owner_emails": ["me@example.com"]}}, "no OpenID Connect provider"),
        ({"auth": OIDC}, "lists no owner_emails"),  # else any account at the provider gets in
        ({"auth": OIDC, "palier": {"viewer_emails": ["not-an-address"]}}, "not e-mail addresses"),
        ({"auth": OIDC, "palier": {"viewer_emails": [1, 2]}}, "must be a list"),
        ({"auth": {"client_secret": "x"}, "palier": {"owner_password_hash": OWNER_HASH}}, "names no provider"),
        ({"palier": "nope"}, "must be tables"),
    ],
)
def test_broken_settings_fail_closed(secrets: dict[str, Any], message: str) -> None:
    with pytest.raises(AccessConfigError, match=message):
        parse_config(secrets)


def test_providers_named_and_unnamed() -> None:
    assert parse_config(emails()).oidc_providers == (None,)
    named = {
        "auth": {"redirect_uri": OIDC["redirect_uri"], "cookie_secret": "x", "google": dict(OIDC), "microsoft": dict(OIDC)},
        "palier": {"owner_emails": ["me@example.com"]},
    }
    assert parse_config(named).oidc_providers == ("google", "microsoft")


# --- decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "verified", "role"),
    [
        ("me@example.com", True, "owner"),
        ("  ME@EXAMPLE.COM ", None, "owner"),  # case and spaces do not matter; no claim is not "unverified"
        ("client@corp.example", True, "viewer"),
        ("anyone@team.example", True, "viewer"),  # "@team.example" admits the domain
        ("anyone@evilteam.example", True, None),  # ... and not a domain that merely ends like it
        ("team.example@gmail.com", True, None),
        ("stranger@example.org", True, None),
        ("me@example.com", False, None),  # an unverified address proves nothing
        (None, True, None),
        ("", True, None),
    ],
)
def test_role_for_email(email: str | None, verified: bool | None, role: str | None) -> None:
    decision = decide(parse_config(emails()), email=email, email_verified=verified)
    assert decision.role == role
    assert decision.allowed == (role is not None)
    if role is None:
        assert decision.reason and "@" not in decision.reason.replace(str(email), "")  # names no list


def test_owner_list_wins_over_viewer_list() -> None:
    config = parse_config(emails(viewer_emails=["me@example.com"]))
    assert decide(config, email="me@example.com").role == "owner"


@pytest.mark.parametrize(
    ("password", "role"),
    [(OWNER_PW, "owner"), (VIEWER_PW, "viewer"), ("wrong", None), ("", None), (OWNER_PW.upper(), None)],
)
def test_role_for_password(password: str, role: str | None) -> None:
    assert decide(parse_config(passwords()), password=password).role == role


def test_viewer_password_alone_and_owner_password_alone() -> None:
    viewer_only = parse_config({"palier": {"viewer_password_hash": VIEWER_HASH}})
    assert viewer_only.sharing
    assert decide(viewer_only, password=VIEWER_PW).role == "viewer"
    assert decide(viewer_only, password=OWNER_PW).role is None
    # Sharing is on: without a proven identity nobody is the owner, not even "locally".
    assert decide(viewer_only).role is None


def test_same_password_for_both_is_owner() -> None:
    config = parse_config({"palier": {"owner_password_hash": OWNER_HASH, "viewer_password_hash": OWNER_HASH}})
    assert decide(config, password=OWNER_PW).role == "owner"


def test_identity_of_a_method_that_is_not_configured_is_refused() -> None:
    assert decide(parse_config(passwords()), email="me@example.com").role is None
    assert decide(parse_config(emails()), password=OWNER_PW).role is None


@pytest.mark.parametrize(
    ("mode", "role", "sees"),
    [("full", "owner", True), ("full", "viewer", True), ("aggregates", "owner", True), ("aggregates", "viewer", False),
     ("full", None, False), ("aggregates", None, False)],
)
def test_who_sees_people(mode: str, role: str | None, sees: bool) -> None:
    config = parse_config(passwords(share_mode=mode))
    assert access.can_see_people(config, role) is sees  # type: ignore[arg-type]
    assert access.can_import(role) is (role == "owner")  # type: ignore[arg-type]


def test_throttle_slows_guessing_after_five_failures() -> None:
    now = [1000.0]
    throttle = Throttle(free=5, window=300, delay=5, clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait_seconds() == 0
        throttle.failed()
    assert throttle.wait_seconds() == pytest.approx(5)
    now[0] += 5
    assert throttle.wait_seconds() == 0
    throttle.failed()
    assert throttle.wait_seconds() > 0
    now[0] += 301  # old failures age out
    assert throttle.wait_seconds() == 0
    throttle.failed()
    throttle.succeeded()
    assert throttle.wait_seconds() == 0


class CountingHashes:
    """Counts the password hashes actually computed (the real PBKDF2 still runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        real = access.PasswordHash.matches

        def counted(hashed: access.PasswordHash, password: str) -> bool:
            with self._lock:
                self.calls += 1
            return real(hashed, password)

        monkeypatch.setattr(access.PasswordHash, "matches", counted)


def test_parallel_wrong_attempts_only_the_allowed_number_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config({"palier": {"owner_password_hash": OWNER_HASH}})
    hashes = CountingHashes(monkeypatch)
    gate = access.SignInThrottle(lambda: Throttle(free=3, window=300, delay=60))
    start = threading.Barrier(12)
    results: list[Decision] = []

    def guess(n: int) -> None:
        start.wait()
        results.append(gate.sign_in(config, f"guess {n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Twelve tabs at once: three guesses are heard, nine wait without a hash being computed.
    assert hashes.calls == 3
    assert sorted(d.reason for d in results).count("Wrong password.") == 3
    waiting = [d.reason for d in results if d.reason != "Wrong password."]
    assert len(waiting) == 9 and all("try again in" in r and " 0 seconds" not in r for r in waiting)
    assert all(d.role is None for d in results)
    # Even the right password is not checked while the owner's counter says wait.
    assert gate.sign_in(config, OWNER_PW).role is None and hashes.calls == 3


def test_a_viewer_sign_in_does_not_clear_the_owners_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    config = parse_config(passwords())
    gate = access.SignInThrottle(lambda: Throttle(free=3, window=300, delay=30, clock=lambda: now[0]))
    hashes = CountingHashes(monkeypatch)
    for n in range(3):
        assert gate.sign_in(config, f"owner guess {n}").reason == "Wrong password."
    assert gate.wait_seconds("owner") == pytest.approx(30)
    now[0] += 30  # the viewer waits out the delay the guesses caused, then signs in
    assert gate.sign_in(config, VIEWER_PW).role == "viewer"
    assert gate.wait_seconds("viewer") == 0
    # The owner's three failures stand: the next wrong guess brings the delay straight back.
    assert gate.sign_in(config, "owner guess 3").reason == "Wrong password."
    assert gate.wait_seconds("owner") == pytest.approx(30)
    checked = hashes.calls
    viewer = gate.sign_in(config, VIEWER_PW)
    # The viewer password is still heard (the viewer counter only waits after its own failures
    # reached the limit), but it opens the viewer role only, and never checks the owner's hash.
    assert viewer.role == "viewer" and hashes.calls == checked + 1
    assert gate.wait_seconds("owner") == pytest.approx(30)
    # The owner, after the wait, gets in and clears the owner's counter only.
    now[0] += 30
    assert gate.sign_in(config, OWNER_PW).role == "owner"
    assert gate.wait_seconds("owner") == 0


@pytest.mark.parametrize(("seconds", "said"), [(0.01, "in 1 second."), (1.0, "in 1 second."), (1.2, "in 2 seconds."), (29.5, "in 30 seconds.")])
def test_the_wait_is_rounded_up_never_zero(seconds: float, said: str) -> None:
    assert access.wait_message(seconds).endswith(said)


# --- the gate in the app (AppTest) ----------------------------------------------------------

COUNTS_CSV = b"date,followers\n2025-01-01,100\n2025-01-05,110\n2025-01-10,105\n"
LIST_1 = b"handle,name,bio\nalice,Alice,hello\nbob,Bob,hi\n"
LIST_2 = b"handle,name,bio\nalice,Alice,hello\nzed-the-secret,Zed Secret,private bio\n"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "palier.duckdb"
    monkeypatch.setenv("PALIER_DB", str(path))
    monkeypatch.setenv("PALIER_DEMO", "0")
    store = open_store(path)
    try:
        assert import_bytes(store, {"counts.csv": COUNTS_CSV}, account="acme")[0].status == "imported"
        import_bytes(store, {"list.csv": LIST_1}, account="acme", snapshot_date=dt.date(2025, 1, 2))
        import_bytes(store, {"list.csv": LIST_2}, account="acme", snapshot_date=dt.date(2025, 1, 9))
    finally:
        store.close()
    st.cache_resource.clear()
    st.cache_data.clear()
    access_throttle_reset()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def access_throttle_reset() -> None:
    from analytics.ui import gate

    gate._THROTTLE.reset()


def app(secrets: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if secrets:
        at.secrets = secrets
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="palier_password").input(password)
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception, at.exception
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_local_use_needs_no_sign_in(db: Path) -> None:
    at = app()
    assert titles(at) == ["Overview"]
    assert not at.text_input  # no password box
    at.switch_page("pages/import.py").run()
    assert not at.exception
    assert titles(at) == ["Import"]


def test_password_share_shows_nothing_before_sign_in(db: Path) -> None:
    at = app(passwords())
    assert titles(at) == ["Palier"]
    assert not at.metric and not at.get("plotly_chart") and not at.selectbox
    at = sign_in(at, "wrong")
    assert titles(at) == ["Palier"]
    assert "Wrong password" in at.error[0].value
    assert not at.metric


def test_viewer_sees_dashboards_but_not_import(db: Path) -> None:
    at = sign_in(app(passwords()), VIEWER_PW)
    assert titles(at) == ["Overview"]
    assert at.metric
    # Left out of the navigation: the Import page is not registered for a viewer at all.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/import.py")
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.label in ("Delete", "Delete account", "Import")]


def test_import_page_run_directly_refuses_a_viewer(db: Path) -> None:
    from analytics.ui import gate

    secrets = passwords()
    page = AppTest.from_file(str(ROOT / "pages" / "import.py"), default_timeout=TIMEOUT)
    page.secrets = secrets
    page.run()
    assert not page.exception
    assert titles(page) == ["Palier"] and not page.get("file_uploader")  # the sign-in form only

    config = parse_config(secrets)
    assert config.viewer_password is not None
    page.session_state["palier_visitor"] = gate.Visitor("viewer", "password", "viewer", config, config.viewer_password.digest)
    page.run()
    assert not page.exception
    assert "Only the owner" in page.error[0].value
    assert not page.get("file_uploader") and "Import" not in titles(page)


def test_owner_password_opens_import(db: Path) -> None:
    at = sign_in(app(passwords()), OWNER_PW)
    assert titles(at) == ["Overview"]
    at.switch_page("pages/import.py").run()
    assert not at.exception
    assert titles(at) == ["Import"]
    assert at.get("file_uploader")


def test_sign_out_ends_the_session_role(db: Path) -> None:
    at = sign_in(app(passwords()), VIEWER_PW)
    assert titles(at) == ["Overview"]
    at.button(key="palier_logout").click().run()
    assert not at.exception
    # AppTest keeps the previous run's page elements in its tree; the sign-in form is what is new.
    assert "Palier" in titles(at)
    assert at.text_input(key="palier_password")
    assert "palier_visitor" not in at.session_state


def test_changing_the_password_signs_its_sessions_out(db: Path) -> None:
    at = sign_in(app(passwords()), VIEWER_PW)
    assert titles(at) == ["Overview"]
    at.secrets = passwords(viewer_password_hash=hash_password("a new one", iterations=FAST))
    at.run()
    assert "Palier" in titles(at)
    assert at.text_input(key="palier_password")
    assert "palier_visitor" not in at.session_state


def test_aggregates_share_hides_names_from_viewers_only(db: Path) -> None:
    secrets = passwords(share_mode="aggregates")
    viewer = sign_in(app(secrets), VIEWER_PW)
    viewer.switch_page("pages/churn.py").run()
    assert not viewer.exception
    assert "Churn & plateaus" in titles(viewer)
    shown = [df.value for df in viewer.dataframe]
    assert not any("zed-the-secret" in frame.to_string() for frame in shown)
    assert any("figures only" in c.value for c in viewer.caption)
    assert [m for m in viewer.metric if m.label == "Followed"]  # counts stay

    owner = sign_in(app(secrets), OWNER_PW)
    owner.switch_page("pages/churn.py").run()
    assert any("zed-the-secret" in df.value.to_string() for df in owner.dataframe)


def test_full_share_shows_names_to_viewers(db: Path) -> None:
    viewer = sign_in(app(passwords()), VIEWER_PW)
    viewer.switch_page("pages/churn.py").run()
    assert any("zed-the-secret" in df.value.to_string() for df in viewer.dataframe)


def test_oidc_allow_lists(db: Path) -> None:
    at = app(emails())
    assert titles(at) == ["Palier"]  # not signed in: a sign-in button, nothing else
    assert [b.label for b in at.button] == ["Sign in"]

    at = app(emails(), user={"is_logged_in": True, "email": "client@corp.example", "email_verified": True})
    assert titles(at) == ["Overview"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/import.py")

    at = app(emails(), user={"is_logged_in": True, "email": "me@example.com", "email_verified": True})
    at.switch_page("pages/import.py").run()
    assert titles(at) == ["Import"]

    at = app(emails(), user={"is_logged_in": True, "email": "stranger@example.org", "email_verified": True})
    assert titles(at) == ["Palier"]
    assert "not on the list" in at.error[0].value
    assert not at.metric


def test_misconfigured_sharing_shows_nothing_but_the_error(db: Path) -> None:
    at = app({"palier": {"owner_pasword_hash": OWNER_HASH}})
    assert titles(at) == ["Palier"]
    assert "misconfigured" in at.error[0].value
    assert not at.metric and not at.text_input


def test_store_path_from_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PALIER_DB", raising=False)
    monkeypatch.setenv("PALIER_DEMO", "0")
    st.cache_resource.clear()
    target = tmp_path / "from-secrets" / "store.duckdb"
    at = app({"palier": {"db": str(target)}})
    assert titles(at) == ["Overview"]
    assert target.exists()
    st.cache_resource.clear()


# --- caches hold nothing per user -----------------------------------------------------------


def _cached_functions() -> list[ast.FunctionDef]:
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "analytics" / "ui").glob("*.py"))]
    found = []
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                # `cached_read` (analytics/ui/cache.py) is st.cache_data keyed on the language too.
                if ast.unparse(target) in ("st.cache_data", "cached_read"):
                    found.append(node)
    return found


def test_every_cached_read_is_keyed_on_the_store_version_and_takes_no_upload() -> None:
    functions = _cached_functions()
    assert functions, "analytics/ui has no st.cache_data function: this test lost its subject"
    for function in functions:
        names = [a.arg for a in function.args.args + function.args.kwonlyargs]
        assert "version" in names, f"{function.name} is cached but not keyed on the store version"
        for arg in function.args.args + function.args.kwonlyargs:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            assert not any(word in annotation for word in ("bytes", "UploadedFile", "SourceFile", "Prepared")), (
                f"{function.name}({arg.arg}: {annotation}) would cache one user's upload for everyone"
            )
            assert arg.arg not in ("data", "upload", "uploads", "files", "file", "content"), function.name
