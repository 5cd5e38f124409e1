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
