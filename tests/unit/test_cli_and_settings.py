"""Settings from the environment and the command line, as an operator uses them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.settings import SettingsError, load_settings


def run_cli(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TEND_")}
    environ.update(
        {
            "TEND_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
            "TEND_VAR_DIR": str(tmp_path / "var"),
            "TEND_ARGON2_TIME_COST": "1",
            "TEND_ARGON2_MEMORY_KIB": "1024",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        input=stdin,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unknown_tend_variables_are_an_error() -> None:
    with pytest.raises(SettingsError, match="TEND_DATABSE_URL"):
        load_settings({"TEND_DATABSE_URL": "sqlite:///x"})
    with pytest.raises(SettingsError, match="whole number"):
        load_settings({"TEND_PORT": "eighty"})
    with pytest.raises(SettingsError, match="sqlite"):
        load_settings({"TEND_DATABASE_URL": "mysql://x"})
    # The test suite's own variables are not settings and are not refused.
    assert load_settings({"TEND_TEST_DATABASE_URL": "x", "TEND_PORT": "9000"}).port == 9000


def test_typo_stops_the_server_at_start(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "migrate", TEND_PROT="8000")
    assert result.returncode == 2
    assert "TEND_PROT" in result.stderr


def test_migrate_create_user_vapid_and_rotate_epoch(tmp_path: Path) -> None:
    first = run_cli(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applied" in first.stdout
    assert "up to date" in run_cli(tmp_path, "migrate").stdout
    created = run_cli(
        tmp_path, "create-user", "Alice", "--passphrase-stdin", stdin="a long enough passphrase\n"
    )
    assert created.returncode == 0, created.stderr
    assert "Created alice" in created.stdout
    again = run_cli(
        tmp_path, "create-user", "alice", "--passphrase-stdin", stdin="a long enough passphrase\n"
    )
    assert again.returncode == 1
    assert "taken" in again.stderr
    key1 = run_cli(tmp_path, "vapid")
    key2 = run_cli(tmp_path, "vapid")
    assert "Created" in key1.stdout and "Existing" in key2.stdout
    assert key1.stdout.splitlines()[-1] == key2.stdout.splitlines()[-1]  # never regenerated
    rotated = run_cli(tmp_path, "rotate-epoch")
    assert rotated.returncode == 0, rotated.stderr
    assert run_cli(tmp_path, "rotate-epoch", "--user", "nobody").returncode != 0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TEND_PORT": "eighty"}, "TEND_PORT must be a whole number from 1 to 65535, not 'eighty'"),
        ({"TEND_PORT": "70000"}, "TEND_PORT must be a whole number from 1 to 65535"),
        ({"TEND_AUTO_MIGRATE": "maybe"}, "TEND_AUTO_MIGRATE must be true or false"),
        (
            {"TEND_LOGIN_USER_LIMIT": "0"},
            "TEND_LOGIN_USER_LIMIT must be a whole number, at least 1",
        ),
        ({"TEND_PASSWORD_HASH_CONCURRENCY": "0"}, "TEND_PASSWORD_HASH_CONCURRENCY must be"),
        ({"TEND_ARGON2_MEMORY_KIB": "4"}, "TEND_ARGON2_MEMORY_KIB must be"),
        ({"TEND_SCHEDULER_INTERVAL_SECONDS": "0"}, "TEND_SCHEDULER_INTERVAL_SECONDS must be"),
        ({"TEND_ENV": "staging"}, "TEND_ENV must be dev or prod"),
        ({"TEND_LOG_LEVEL": "loud"}, "TEND_LOG_LEVEL must be one of"),
        ({"TEND_VAPID_SUBJECT": "admin@x"}, "TEND_VAPID_SUBJECT must be a mailto: or https://"),
        ({"TEND_PUBLIC_BASE_URL": "tend.example.org"}, "TEND_PUBLIC_BASE_URL must be"),
        ({"TEND_SESSION_MAX_DAYS": "7"}, "TEND_SESSION_MAX_DAYS must be at least"),
    ],
)
def test_a_bad_value_names_its_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert str(raised.value).startswith(message)


def test_environment_strings_become_typed_values() -> None:
    settings = load_settings(
        {
            "TEND_ENV": "prod",
            "TEND_PORT": "9000",
            "TEND_AUTO_MIGRATE": "FALSE",
            "TEND_TRUST_FORWARDED_FOR": "1",
            "TEND_SYNC_PUSH_BUDGET_SECONDS": "0",
            "TEND_SCHEDULER_INTERVAL_SECONDS": "2.5",
            "TEND_PUBLIC_BASE_URL": "https://tend.example.org",
        }
    )
    assert (settings.env, settings.port) == ("prod", 9000)
    assert settings.auto_migrate is False and settings.trust_forwarded_for is True
    assert settings.sync_push_budget_seconds == 0.0
    assert settings.scheduler_interval_seconds == 2.5
    # Overrides (the tests' own) go through the same checks.
    with pytest.raises(SettingsError, match="TEND_LOGIN_USER_LIMIT"):
        load_settings({}, login_user_limit=0)


def test_a_bad_database_url_is_not_repeated_back() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"TEND_DATABASE_URL": "mysql://tend:secret@db/tend"})
    assert "TEND_DATABASE_URL" in str(raised.value)
    assert "secret" not in str(raised.value)
