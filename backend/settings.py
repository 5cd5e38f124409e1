"""Settings: one frozen Struct, read from TEND_* environment variables in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

ENV_PREFIX = "TEND_"
# Names under this prefix belong to the test suite (e.g. TEND_TEST_DATABASE_URL) and are
# read by tests/conftest.py, not by the app; they must not trip the unknown-name check.
TEST_PREFIX = "TEND_TEST_"
REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A TEND_* variable is unknown or has a value that cannot be used."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    env: Literal["dev", "prod"] = "dev"
    database_url: str = "sqlite:///var/tend.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8000
    # Base URL used in links the server hands out (share links); defaults to the request's.
    public_base_url: str = ""
    pwa_dir: str = str(REPO_ROOT / "pwa")
    var_dir: str = "var"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # PostgreSQL connections per API process (several API processes share max_connections).
    db_pool_size: int = 40
    # Migrations run on `serve` in dev so `make run` is one step; prod runs `migrate` itself.
    auto_migrate: bool = True

    session_idle_days: int = 30
    session_max_days: int = 365
    login_user_limit: int = 5
    login_address_limit: int = 50
    # Wrong passphrases per known device (one with a `tend_device` cookie) in the window,
    # counted only once the name's or the address's limit is used up.
    login_device_limit: int = 5
    login_window_seconds: int = 900
    # Sign-ups per client address (each costs two argon2 hashes) in this many seconds.
    signup_address_limit: int = 10
    signup_window_seconds: int = 3600
    password_hash_concurrency: int = 2
    # Sign-ups hash with threads of their own, so a flood of them cannot delay sign-ins.
    signup_hash_concurrency: int = 1
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Trust X-Forwarded-For only behind a known proxy (deploy/Caddyfile sets this).
    trust_forwarded_for: bool = False

    max_body_bytes: int = 1024 * 1024
    sync_max_changes: int = 200
    sync_max_change_bytes: int = 256 * 1024
    # A push that has waited or worked this long stops after its current change and answers;
    # the rest get no result ("missing" in sync.md) and the device sends them again.
    sync_push_budget_seconds: float = 10.0

    vapid_key_file: str = ""
    vapid_subject: str = "mailto:admin@localhost"
    # Comma-separated push-service host suffixes endpoints must end in (prod); empty = any
    # host whose addresses are all public.
    push_allowed_hosts: str = ""
    # Test pushes per person in this many seconds.
    push_test_limit: int = 5
    push_test_window_seconds: int = 900
    scheduler_enabled: bool = True
    scheduler_interval_seconds: float = 15.0

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


_FIELDS: dict[str, Any] = {field.name: field.type for field in msgspec.structs.fields(Settings)}


def _coerce(name: str, raw: str) -> Any:
    field_type = _FIELDS[name]
    if field_type is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if field_type is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a whole number") from None
    if field_type is float:
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a number") from None
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from TEND_* variables; unknown TEND_ names are an error, not ignored."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for key, raw in source.items():
        if not key.startswith(ENV_PREFIX) or key.startswith(TEST_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in _FIELDS:
            unknown.append(key)
            continue
        values[name] = _coerce(name, raw)
    if unknown:
        known = ", ".join(sorted(f"{ENV_PREFIX}{n.upper()}" for n in _FIELDS))
        raise SettingsError(f"Unknown setting(s) {', '.join(sorted(unknown))}. Known: {known}")
    values.update(overrides)
    try:
        settings = msgspec.convert(values, Settings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"Invalid setting: {exc}") from None
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if not (settings.is_sqlite or settings.database_url.startswith(("postgresql:", "postgres:"))):
        raise SettingsError("TEND_DATABASE_URL must start with sqlite:/// or postgresql://")
    if settings.session_idle_days <= 0 or settings.session_max_days < settings.session_idle_days:
        raise SettingsError("Session lifetimes must be positive and max >= idle")
    if settings.password_hash_concurrency < 1:
        raise SettingsError("TEND_PASSWORD_HASH_CONCURRENCY must be at least 1")
    if settings.signup_hash_concurrency < 1:
        raise SettingsError("TEND_SIGNUP_HASH_CONCURRENCY must be at least 1")
    for name in (
        "login_user_limit",
        "login_address_limit",
        "login_device_limit",
        "login_window_seconds",
        "signup_address_limit",
        "signup_window_seconds",
        "push_test_limit",
        "push_test_window_seconds",
    ):
        if getattr(settings, name) < 1:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be at least 1")
    if not settings.vapid_subject.startswith(("mailto:", "https://")):
        raise SettingsError("TEND_VAPID_SUBJECT must be a mailto: or https:// URL")
