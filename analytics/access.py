"""Who may see what when Palier is shared: roles and the sign-in rules, as pure functions.

Nothing here imports streamlit: the rules take the secrets as a plain mapping and an identity
(an e-mail from OpenID Connect, or a typed password) and return a role or a refusal, so every
rule is tested directly. `analytics.ui.gate` draws the sign-in form and calls these.

The model:
- no sharing configured (no `[auth]`, no password, no allow-list): Palier runs on the user's
  own computer, the visitor is the owner and nobody signs in;
- as soon as any of them is configured, every visitor signs in, and fails closed: an e-mail
  on no list, a wrong password or a broken setting gets no role at all;
- owners import, delete and change settings; viewers see dashboards only; with
  `share_mode = "aggregates"` viewers see figures and charts but no follower's name, handle or bio.

Secrets (`.streamlit/secrets.toml`, or the host's secrets box):

    [palier]
    owner_emails = ["me@example.com"]            # with st.login (OpenID Connect from [auth])
    viewer_emails = ["client@example.com", "@team.example.com"]   # "@domain" admits a domain
    owner_password_hash = "pbkdf2_sha256$600000$<salt>$<hash>"    # python -m analytics hash-password
    viewer_password_hash = "pbkdf2_sha256$600000$<salt>$<hash>"
    share_mode = "aggregates"                    # or "full" (the default)
    db = "/data/palier.duckdb"                   # the store file (PALIER_DB wins when set)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets as _secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from analytics.i18n import _

Role = Literal["owner", "viewer"]
ShareMode = Literal["full", "aggregates"]
OWNER: Role = "owner"
VIEWER: Role = "viewer"
SHARE_MODES: tuple[ShareMode, ...] = ("full", "aggregates")

HASH_SCHEME = "pbkdf2_sha256"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about a third of a second per guess on a laptop,
# which is the point: the hash may leak with the secrets, and guessing must stay slow.
DEFAULT_ITERATIONS = 600_000
# Below this a stored hash is refused: a hash made with 1,000 rounds is a password in clear text.
MIN_ITERATIONS = 100_000
SALT_BYTES = 16


class AccessConfigError(ValueError):
    """The sharing settings are present but unusable: nobody gets in until they are fixed."""


# --- passwords --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>` (salt and hash in URL-safe base64), the only
    form in which a password is written into secrets."""
    if not password:
        raise ValueError(_("an empty password cannot protect anything"))
    if iterations < MIN_ITERATIONS:
        raise ValueError(_('at least {MIN_ITERATIONS:,} iterations').format(MIN_ITERATIONS=MIN_ITERATIONS))
    salt = salt if salt is not None else _secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{HASH_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


@dataclass(frozen=True)
class PasswordHash:
    iterations: int
    salt: bytes
    digest: bytes

    def matches(self, password: str) -> bool:
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), self.salt, self.iterations)
        # Constant time: how long a comparison takes must not say how much of a guess was right.
        return hmac.compare_digest(candidate, self.digest)


def parse_password_hash(encoded: str, setting: str = "password hash") -> PasswordHash:
    """The stored string, checked; `AccessConfigError` naming the setting when it is not one."""
    parts = encoded.strip().split("$") if isinstance(encoded, str) else []
    if len(parts) != 4 or parts[0] != HASH_SCHEME:
        raise AccessConfigError(
            _(
                '[palier] {setting} is not a Palier password hash (expected {HASH_SCHEME}$iterations$salt$hash): make one with `python '
                '-m analytics hash-password`. A password is never stored in clear text.'
            ).format(setting=setting, HASH_SCHEME=HASH_SCHEME)
        )
    try:
        iterations = int(parts[1])
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
    except (ValueError, binascii.Error):
        raise AccessConfigError(
            _('[palier] {setting} is damaged: make it again with `python -m analytics hash-password`.').format(setting=setting)
        ) from None
    if iterations < MIN_ITERATIONS or len(salt) < 8 or len(digest) != 32:
        raise AccessConfigError(
            _(
                '[palier] {setting} is too weak (fewer than {MIN_ITERATIONS:,} iterations, or a short salt): make it again with '
                '`python -m analytics hash-password`.'
            ).format(setting=setting, MIN_ITERATIONS=MIN_ITERATIONS)
        )
    return PasswordHash(iterations, salt, digest)


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` is the one hashed in `encoded` (a malformed hash matches nothing)."""
    try:
        return parse_password_hash(encoded).matches(password)
    except AccessConfigError:
        return False


# --- the configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessConfig:
    """The sharing settings read from secrets; `sharing` says whether anyone must sign in."""

    oidc_providers: tuple[str | None, ...] = ()  # None: the unnamed provider of [auth]
    owner_emails: frozenset[str] = frozenset()
    viewer_emails: frozenset[str] = frozenset()
    owner_password: PasswordHash | None = None
    viewer_password: PasswordHash | None = None
    share_mode: ShareMode = "full"
    db: str | None = None

    @property
    def sharing(self) -> bool:
        return bool(
            self.oidc_providers or self.owner_emails or self.viewer_emails or self.owner_password or self.viewer_password
        )

    @property
    def passwords(self) -> bool:
        return self.owner_password is not None or self.viewer_password is not None


LOCAL = AccessConfig()

# Keys of [auth] that are shared by every provider, not a provider's own settings.
_AUTH_SHARED_KEYS = frozenset({"redirect_uri", "cookie_secret", "expose_tokens"})
_PALIER_KEYS = frozenset(
    {"owner_emails", "viewer_emails", "owner_password_hash", "viewer_password_hash", "share_mode", "db"}
)


def oidc_providers(auth: Mapping[str, Any]) -> tuple[str | None, ...]:
    """The providers `st.login` can use: each `[auth.NAME]` table, and the unnamed one when
    `[auth]` itself names a client."""
    named = tuple(sorted(k for k, v in auth.items() if isinstance(v, Mapping)))
    unnamed: tuple[str | None, ...] = (None,) if "client_id" in auth else ()
    return unnamed + named


def _emails(value: Any, setting: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]  # one address written without brackets
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise AccessConfigError(
            _('[palier] {setting} must be a list of e-mail addresses, like ["me@example.com"].').format(setting=setting)
        )
    cleaned = {v.strip().lower() for v in value if v.strip()}
    bad = sorted(v for v in cleaned if "@" not in v)
    if bad:
        raise AccessConfigError(
            _('[palier] {setting} holds entries that are not e-mail addresses or @domains: {value}.').format(
                setting=setting, value=', '.join(bad),
            )
        )
    return frozenset(cleaned)


def parse_config(secrets: Mapping[str, Any] | None) -> AccessConfig:
    """The sharing settings from a secrets mapping (`st.secrets` as a dict). Raises
    `AccessConfigError` on a setting that cannot be used, so a typo fails closed."""
    if not secrets:
        return LOCAL
    palier = secrets.get("palier") or {}
    auth = secrets.get("auth") or {}
    if not isinstance(palier, Mapping) or not isinstance(auth, Mapping):
        raise AccessConfigError(_("[palier] and [auth] in secrets.toml must be tables."))
    unknown = sorted(set(palier) - _PALIER_KEYS)
    if unknown:
        # A misspelt `owner_password_hash` would otherwise leave the app open.
        raise AccessConfigError(
            _('[palier] has unknown settings: {value} (known: {value2}).').format(
                value=', '.join(unknown), value2=', '.join(sorted(_PALIER_KEYS)),
            )
        )
    share_mode = palier.get("share_mode", "full")
    if share_mode not in SHARE_MODES:
        raise AccessConfigError(
            _('[palier] share_mode must be "full" or "aggregates", not {share_mode}.').format(share_mode=repr(share_mode))
        )
    db = palier.get("db")
    if db is not None and (not isinstance(db, str) or not db.strip()):
        raise AccessConfigError(_("[palier] db must be the path of the store file."))

    def _password(key: str) -> PasswordHash | None:
        value = palier.get(key)
        # Present means meant: an empty or broken hash is an error, never "no password".
        return None if value is None else parse_password_hash(value, key)

    config = AccessConfig(
        oidc_providers=oidc_providers(auth),
        owner_emails=_emails(palier.get("owner_emails"), "owner_emails"),
        viewer_emails=_emails(palier.get("viewer_emails"), "viewer_emails"),
        owner_password=_password("owner_password_hash"),
        viewer_password=_password("viewer_password_hash"),
        share_mode=share_mode,
        db=db.strip() if isinstance(db, str) else None,
    )
    if (config.owner_emails or config.viewer_emails) and not config.oidc_providers:
        raise AccessConfigError(
            _("[palier] lists e-mail addresses but [auth] configures no OpenID Connect provider to prove them: "
            "add client_id, client_secret, server_metadata_url, redirect_uri and cookie_secret to [auth].")
        )
    if config.oidc_providers and not (config.owner_emails or config.viewer_emails):
        # Without a list, anyone with an account at the provider (any Google user) would get in.
        raise AccessConfigError(
            _("[auth] configures sign-in but [palier] lists no owner_emails or viewer_emails: "
            "say who may see this Palier.")
        )
    if auth and not config.oidc_providers and not set(auth) <= _AUTH_SHARED_KEYS:
        raise AccessConfigError(_("[auth] names no provider: give client_id (or an [auth.NAME] table per provider)."))
    return config


# --- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A role, or why there is none (said to the visitor, so it names no list and no address)."""

    role: Role | None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.role is not None


def _on_list(email: str, allowed: frozenset[str]) -> bool:
    domain = "@" + email.rsplit("@", 1)[-1]
    return email in allowed or domain in allowed


def role_for_email(config: AccessConfig, email: Any, email_verified: Any = None) -> Decision:
    """The role of a visitor signed in with OpenID Connect. Owners' list wins over viewers'."""
    if not isinstance(email, str) or "@" not in email:
        return Decision(None, "Your sign-in did not give an e-mail address, so Palier cannot tell whether you may see it.")
    if email_verified is False:
        # An unverified address is a claim anyone can type at some providers.
        return Decision(None, "Your provider has not verified this e-mail address.")
    email = email.strip().lower()
    if _on_list(email, config.owner_emails):
        return Decision(OWNER)
    if _on_list(email, config.viewer_emails):
        return Decision(VIEWER)
    return Decision(None, "This account is not on the list of people who may see this Palier: ask its owner.")


def role_for_password(config: AccessConfig, password: str) -> Decision:
    """The role a typed password opens. Both hashes are always computed, so the time taken
    does not say which one exists; owner wins if one password opens both."""
    if not password:
        return Decision(None, "Type the password.")
    owner = config.owner_password.matches(password) if config.owner_password else False
    viewer = config.viewer_password.matches(password) if config.viewer_password else False
    if owner:
        return Decision(OWNER)
    if viewer:
        return Decision(VIEWER)
    return Decision(None, "Wrong password.")


def decide(config: AccessConfig, *, email: Any = None, email_verified: Any = None, password: str | None = None) -> Decision:
    """The whole rule: local use is the owner's; shared use needs a proven identity."""
    if not config.sharing:
        return Decision(OWNER)
    if password is not None:
        if not config.passwords:
            return Decision(None, "This Palier has no password sign-in.")
        return role_for_password(config, password)
    if email is not None:
        if not config.oidc_providers:
            return Decision(None, "This Palier has no sign-in with a provider.")
        return role_for_email(config, email, email_verified)
    return Decision(None, "Sign in to see this Palier.")


def can_import(role: Role | None) -> bool:
    return role == OWNER


def can_see_people(config: AccessConfig, role: Role | None) -> bool:
    """Whether follower names, handles and bios may be shown: always to owners; to viewers
    unless the share is aggregates-only; to nobody without a role."""
    if role == OWNER:
        return True
    return role == VIEWER and config.share_mode == "full"


# --- slowing guessers -------------------------------------------------------------------------

# Said to a visitor who must wait; kept together for the translators.
MSG_WAIT_SECONDS = "Too many wrong passwords: try again in {seconds} seconds."
MSG_WAIT_ONE_SECOND = "Too many wrong passwords: try again in 1 second."


def wait_message(seconds: float) -> str:
    """The wait, rounded up to whole seconds: rounding down would say "try again in 0 seconds"
    to someone who must still wait a fraction of one."""
    whole = max(1, math.ceil(seconds))
    return MSG_WAIT_ONE_SECOND if whole == 1 else MSG_WAIT_SECONDS.format(seconds=whole)


@dataclass
class Throttle:
    """Failed password attempts across the whole process (a new browser tab is a new session,
    so counting per session would not slow anyone). After `free` failures within `window`
    seconds, each attempt waits until `delay` seconds after the last failure.

    `reserve` counts an attempt as a failure before its password is checked, under the lock:
    parallel attempts cannot all see "no wait" and then all be checked."""

    free: int = 5
    window: float = 300.0
    delay: float = 5.0
    clock: Callable[[], float] = time.monotonic
    _failures: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _wait_locked(self, now: float) -> float:
        self._failures = [t for t in self._failures if now - t < self.window]
        if len(self._failures) < self.free:
            return 0.0
        return max(0.0, self._failures[-1] + self.delay - now)

    def wait_seconds(self) -> float:
        """How long until the next attempt is heard (0 when it may be tried now)."""
        with self._lock:
            return self._wait_locked(self.clock())

    def reserve(self) -> tuple[float, float | None]:
        """Atomically: the wait, or (when there is none) a failure recorded now for the attempt
        about to be checked. Returns (wait, reservation); `release(reservation)` takes it back
        when the attempt turns out not to be a wrong guess."""
        with self._lock:
            now = self.clock()
            wait = self._wait_locked(now)
            if wait > 0:
                return wait, None
            self._failures.append(now)
            return 0.0, now

    def release(self, reservation: float) -> None:
        with self._lock:
            if reservation in self._failures:
                self._failures.remove(reservation)

    def failed(self) -> None:
        with self._lock:
            self._failures.append(self.clock())

    def succeeded(self) -> None:
        with self._lock:
            self._failures.clear()


@dataclass
class SignInThrottle:
    """One `Throttle` per role, for the whole server: a wrong password is a wrong guess at each
    role it was checked against, and a right one clears only the counter of the role it opened,
    so knowing the viewer password gives no extra guesses at the owner's.

    A role whose counter says wait is not checked at all (its hash is not computed): its
    password cannot be guessed during the wait, while the other role may still sign in."""

    make: Callable[[], Throttle] = Throttle
    _roles: dict[Role, Throttle] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def for_role(self, role: Role) -> Throttle:
        with self._lock:
            if role not in self._roles:
                self._roles[role] = self.make()
            return self._roles[role]

    def wait_seconds(self, role: Role) -> float:
        return self.for_role(role).wait_seconds()

    def reset(self) -> None:
        """Forget every failure (a fresh server; tests)."""
        for role in (OWNER, VIEWER):
            self.for_role(role).succeeded()

    def sign_in(self, config: AccessConfig, password: str) -> Decision:
        """`decide(config, password=...)` with the throttle: each configured role's attempt is
        reserved (or refused with its wait) before any hash is computed, and settled after."""
        if not config.sharing or not config.passwords or not password:
            return decide(config, password=password)
        hashes: dict[Role, PasswordHash] = {
            role: hashed
            for role, hashed in ((OWNER, config.owner_password), (VIEWER, config.viewer_password))
            if hashed is not None
        }
        reserved: dict[Role, float] = {}
        waits: list[float] = []
        for role in hashes:
            wait, reservation = self.for_role(role).reserve()
            if reservation is None:
                waits.append(wait)
            else:
                reserved[role] = reservation
        # The hashes are computed outside any lock: they take a third of a second each, and the
        # reservations already count these attempts for anyone arriving meanwhile.
        matched = [role for role in reserved if hashes[role].matches(password)]
        for role, reservation in reserved.items():
            if role in matched:
                self.for_role(role).succeeded()
            elif matched:
                # Not a guess at this role: the visitor typed another role's right password.
                self.for_role(role).release(reservation)
        for role in (OWNER, VIEWER):
            if role in matched:
                return Decision(role)
        if waits:
            # A role went unchecked: "wrong password" could be false, so say to wait.
            return Decision(None, wait_message(max(waits)))
        return Decision(None, "Wrong password.")
