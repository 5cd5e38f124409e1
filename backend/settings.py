"""Settings: one frozen Struct, read from TEND_* environment variables in one place."""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

ENV_PREFIX = "TEND_"
# Names under this prefix belong to the test suite (e.g. TEND_TEST_DATABASE_URL) and are
# read by tests/conftest.py, not by the app; they must not trip the unknown-name check.
TEST_PREFIX = "TEND_TEST_"
REPO_ROOT = Path(__file__).resolve().parent.parent

# Each type states its rule in words: a bad value is reported as "TEND_<NAME> must be <rule>".
Flag = Annotated[bool, Meta(description="true or false (or 1 or 0)")]
AtLeastOne = Annotated[int, Meta(ge=1, description="a whole number, at least 1")]
Port = Annotated[int, Meta(ge=1, le=65535, description="a whole number from 1 to 65535")]
# Argon2 needs 8 KiB per lane; Passwords uses one lane.
KibiBytes = Annotated[int, Meta(ge=8, description="a whole number of KiB, at least 8")]
Seconds = Annotated[float, Meta(gt=0, description="a number of seconds above 0")]
SecondsOrZero = Annotated[float, Meta(ge=0, description="a number of seconds, 0 or more")]
Environment = Annotated[Literal["dev", "prod"], Meta(description="dev or prod")]
LogLevel = Annotated[
    Literal["debug", "info", "warning", "error"],
    Meta(description="one of debug, info, warning or error"),
]
DatabaseUrl = Annotated[
    str,
    Meta(
        pattern=r"^(sqlite|postgresql|postgres):",
        description="a URL starting with sqlite:/// or postgresql://",
    ),
]
BaseUrl = Annotated[
    str, Meta(pattern=r"^(https?://\S+)?$", description="empty, or an http:// or https:// URL")
]
# Compared with an `Authorization: Bearer` header: RFC 6750's token characters, and long
# enough not to be guessed (`openssl rand -hex 32` makes one).
MetricsToken = Annotated[
    str,
    Meta(
        pattern=r"^([A-Za-z0-9._~+/-]{16,}=*)?$",
        description="empty, or at least 16 letters, digits or -._~+/ characters",
    ),
]
VapidSubject = Annotated[
    str, Meta(pattern=r"^(mailto:|https://)", description="a mailto: or https:// URL")
]


class SettingsError(ValueError):
    """A TEND_* variable is unknown or has a value that cannot be used."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    env: Environment = "dev"
    database_url: DatabaseUrl = "sqlite:///var/tend.sqlite3"
    host: str = "127.0.0.1"
    port: Port = 8000
    # Base URL used in links the server hands out (share links); defaults to the request's.
    public_base_url: BaseUrl = ""
    pwa_dir: str = str(REPO_ROOT / "pwa")
    var_dir: str = "var"
    log_level: LogLevel = "info"
    # Bearer token for GET /api/v1/metrics (Prometheus); empty = no metrics endpoint (404).
    metrics_token: MetricsToken = ""
    # PostgreSQL connections per API process (several API processes share max_connections).
    db_pool_size: AtLeastOne = 40
    # Migrations run on `serve` in dev so `make run` is one step; prod runs `migrate` itself.
    auto_migrate: Flag = True

    session_idle_days: AtLeastOne = 30
    session_max_days: AtLeastOne = 365
    login_user_limit: AtLeastOne = 5
    login_address_limit: AtLeastOne = 50
    # Wrong passphrases per known device (one with a `tend_device` cookie) in the window,
    # counted only once the name's or the address's limit is used up.
    login_device_limit: AtLeastOne = 5
    login_window_seconds: AtLeastOne = 900
    # Sign-ups per client address (each costs two argon2 hashes) in this many seconds.
    signup_address_limit: AtLeastOne = 10
    signup_window_seconds: AtLeastOne = 3600
    password_hash_concurrency: AtLeastOne = 2
    # Sign-ups hash with threads of their own, so a flood of them cannot delay sign-ins.
    signup_hash_concurrency: AtLeastOne = 1
    argon2_time_cost: AtLeastOne = 3
    argon2_memory_kib: KibiBytes = 65536
    # Trust X-Forwarded-For only behind a known proxy (deploy/Caddyfile sets this).
    trust_forwarded_for: Flag = False

    max_body_bytes: AtLeastOne = 1024 * 1024
    sync_max_changes: AtLeastOne = 200
    sync_max_change_bytes: AtLeastOne = 256 * 1024
    # A push that has waited or worked this long stops after its current change and answers;
    # the rest get no result ("missing" in sync.md) and the device sends them again.
    sync_push_budget_seconds: SecondsOrZero = 10.0

    vapid_key_file: str = ""
    vapid_subject: VapidSubject = "mailto:admin@localhost"
    # Comma-separated push-service host suffixes endpoints must end in (prod); empty = any
    # host whose addresses are all public.
    push_allowed_hosts: str = ""
    # Test pushes per person in this many seconds.
    push_test_limit: AtLeastOne = 5
    push_test_window_seconds: AtLeastOne = 900
    # Share-link requests that find no link (or a wrong code) per client address in this
    # many seconds; past it every share request from the address waits (no oracle).
    share_guess_limit: AtLeastOne = 30
    share_guess_window_seconds: AtLeastOne = 900
    scheduler_enabled: Flag = True
    scheduler_interval_seconds: Seconds = 15.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def push_allowed_host_suffixes(self) -> tuple[str, ...]:
        return tuple(
            host.strip().strip(".").lower()
            for host in self.push_allowed_hosts.split(",")
            if host.strip().strip(".")
        )

    @property
    def vapid_key_path(self) -> Path:
        return Path(self.vapid_key_file or Path(self.var_dir) / "vapid_private.pem")


def _rule(annotation: Any) -> str | None:
    """The `Meta(description=...)` an annotated field type carries, if any."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Meta) and meta.description:
            return meta.description
    return None


_FIELDS = frozenset(Settings.__struct_fields__)
_RULES: dict[str, str] = {
    name: rule
    for name, annotation in typing.get_type_hints(Settings, include_extras=True).items()
    if name in _FIELDS and (rule := _rule(annotation))
}
# A database URL may hold a password, and a token is a secret: never repeated in an error.
_NOT_SHOWN = frozenset({"database_url", "metrics_token"})
# msgspec names the field a value failed in as "... - at `$.port`".
_FAILED_FIELD = re.compile(r" - at `\$\.(\w+)`$")


def _env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from TEND_* variables; unknown TEND_ names are an error, not ignored.

    Values are converted by msgspec with `strict=False`, so "8000" becomes 8000 and
    "true"/"false"/"1"/"0" become booleans; the field types' Meta constraints validate them.
    """
    values: dict[str, Any] = _from_environment(os.environ if environ is None else environ)
    values.update(overrides)
    try:
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(exc, values)) from None
    if settings.session_max_days < settings.session_idle_days:
        raise SettingsError("TEND_SESSION_MAX_DAYS must be at least TEND_SESSION_IDLE_DAYS")
    return settings


def _from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    unknown: list[str] = []
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key.startswith(TEST_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in _FIELDS:
            values[name] = raw
        else:
            unknown.append(key)
    if unknown:
        known = ", ".join(sorted(_env_name(name) for name in _FIELDS))
        raise SettingsError(f"Unknown setting(s) {', '.join(sorted(unknown))}. Known: {known}")
    return values


def _explain(exc: msgspec.ValidationError, values: Mapping[str, Any]) -> str:
    """`TEND_PORT must be a whole number from 1 to 65535, not 'eighty'`."""
    found = _FAILED_FIELD.search(str(exc))
    if found is None or found[1] not in values:
        return f"Invalid setting: {exc}"
    name = found[1]
    rule = _RULES.get(name)
    if rule is None:
        return f"{_env_name(name)} is not valid: {_FAILED_FIELD.sub('', str(exc))}"
    shown = "" if name in _NOT_SHOWN else f", not {values[name]!r}"
    return f"{_env_name(name)} must be {rule}{shown}"
