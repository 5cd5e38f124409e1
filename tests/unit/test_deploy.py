"""The files in deploy/ describe a server that can start: what they copy, mount and set exists.

Docker does not run here, so the image and the compose file are checked by reading them;
Caddy's own parser checks the Caddyfiles (`caddy validate`, offline). An unknown TEND_* name
stops Tend at start-up, so every TEND_ name these files set must be a real setting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IN_CI = os.environ.get("CI", "").lower() == "true"
SETTING_NAMES = {f"TEND_{name.upper()}" for name in Settings.__struct_fields__}
# Documented before (or while) its setting is added: the metrics endpoint's token.
ALWAYS_DOCUMENTED = {"TEND_METRICS_TOKEN"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with `\\` continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, args = whole.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def copy_sources(args: str) -> list[str]:
    words: list[str] = json.loads(args) if args.startswith("[") else args.split()
    return [w for w in words if not w.startswith("--")][:-1]


def test_every_copy_source_exists_and_is_in_the_build_context() -> None:
    allowed = {
        line[1:].strip().rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copies = [args for keyword, args in dockerfile_instructions() if keyword in ("COPY", "ADD")]
    assert copies, "the Dockerfile copies nothing"
    for args in copies:
        assert "--from" not in args, "a single-stage image: every COPY is from the repository"
        sources = copy_sources(args)
        assert sources, f"COPY {args} names no source"
        for source in sources:
            assert (ROOT / source).exists(), f"COPY source {source} is not in the repository"
            assert source.rstrip("/") in allowed, (
                f"COPY source {source} is excluded by deploy/Dockerfile.dockerignore"
            )


def test_image_runs_as_a_user_that_is_not_root() -> None:
    users = [args for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER: the server would run as root"
    final = users[-1].split(":")[0]
    assert final not in ("root", "0"), f"the final USER is {final}"


def test_image_serves_with_a_healthcheck_that_needs_no_curl() -> None:
    instructions = dict(dockerfile_instructions())
    assert instructions["FROM"] == "python:3.11-slim"
    cmd = json.loads(instructions["CMD"])
    assert cmd == ["python", "-m", "backend", "serve"]
    check = instructions["HEALTHCHECK"]
    assert "/api/v1/health" in check
    assert "python" in check
    assert "curl" not in check
    assert "wget" not in check


def test_installed_package_holds_every_file_the_server_reads() -> None:
    """The image installs backend/ as a package: a data file missing from package-data
    (a template, a JSON table) would exist in the repository and not in the image."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["backend"]
    backend = ROOT / "backend"
    packaged = {path for pattern in package_data for path in backend.glob(pattern)}
    data_files = {
        path
        for path in backend.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    assert data_files, "expected templates and tables under backend/"
    missing = sorted(str(path.relative_to(ROOT)) for path in data_files - packaged)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_tend_postgres_and_caddy() -> None:
    services = compose()["services"]
    assert {"tend", "postgres", "caddy"} <= set(services)
    assert services["postgres"]["image"] == "postgres:15"
    assert "healthcheck" in services["postgres"]
    assert services["tend"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    ports = {str(port) for port in services["caddy"]["ports"]}
    assert {"80:80", "443:443"} <= ports
    # Only Caddy is published: Tend trusts X-Forwarded-For from whoever reaches it.
    assert "ports" not in services["tend"]
    # TEND_ENV=prod never migrates on `serve`: the container migrates first.
    command = " ".join(services["tend"]["command"])
    assert command.index("backend migrate") < command.index("backend serve")


def test_compose_files_exist() -> None:
    spec = compose()
    services = spec["services"]
    build = services["tend"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).is_file()
    named = set(spec.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which is missing"
            else:
                assert source in named, f"{name} uses volume {source}, not declared"
    # The env file is the operator's copy of env.example, made as README.md says.
    env_file = services["tend"]["env_file"]
    assert f"cp env.example {env_file}" in (DEPLOY / "README.md").read_text()


def test_compose_sets_only_real_settings() -> None:
    environment = compose()["services"]["tend"]["environment"]
    tend_names = {name for name in environment if name.startswith("TEND_")}
    assert tend_names <= SETTING_NAMES, f"unknown settings stop Tend: {tend_names - SETTING_NAMES}"


def env_example_names() -> set[str]:
    text = (DEPLOY / "env.example").read_text()
    return set(re.findall(r"^(TEND_[A-Z0-9_]+)=", text, re.MULTILINE))


def test_env_example_is_a_configuration_tend_accepts() -> None:
    """Copied as it is, env.example starts a production server (no unknown or bad value)."""
    environ = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if line.startswith("TEND_")
    )
    settings = load_settings(environ)
    assert settings.env == "prod"
    assert not settings.auto_migrate
    assert settings.trust_forwarded_for


def test_env_example_documents_every_setting() -> None:
    missing = (SETTING_NAMES | ALWAYS_DOCUMENTED) - env_example_names()
    assert not missing, f"add to deploy/env.example, with a comment: {sorted(missing)}"


def test_env_example_names_only_real_settings() -> None:
    """A copy of env.example is the server's environment: a stray name stops it."""
    unknown = env_example_names() - SETTING_NAMES - ALWAYS_DOCUMENTED
    assert not unknown, f"not settings: {sorted(unknown)}"


@pytest.mark.parametrize("name", ["Caddyfile.local", "Caddyfile"])
def test_caddyfile_validates(name: str, tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        if IN_CI:
            pytest.fail("caddy is required in CI (apt-get install caddy, see .ci/run)")
        pytest.skip("caddy is not installed")
    # Caddy's data (the local CA `tls internal` creates) goes to a throwaway directory.
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DOMAIN": "tend.example.org",
        "UPSTREAM": "tend:8000",
    }
    result = subprocess.run(
        [caddy, "validate", "--config", str(DEPLOY / name), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Valid configuration" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["Caddyfile.local", "Caddyfile"])
def test_caddy_never_caches_the_unversioned_app_for_long(name: str) -> None:
    """pwa/ file names carry no content hash: a long or immutable cache would mix releases."""
    directives = [
        line.split("#")[0]
        for line in (DEPLOY / name).read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    config = "\n".join(directives)
    assert "immutable" not in config
    assert "max-age" not in config
    assert 'header ?Cache-Control "no-cache"' in config
