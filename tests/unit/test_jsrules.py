"""The app's field rules come from the server's kinds: the module is current, and the app's
checker and the server's validator give the same verdict on every boundary value."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from backend.journal import jsrules
from backend.journal.validate import validate_change
from tests.conftest import IN_CI
from tests.unit.test_cli_and_settings import run_cli

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
RID = "0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"


def test_the_generated_module_is_current() -> None:
    assert jsrules.RULES_PATH.read_text(encoding="utf-8") == jsrules.render(), (
        "pwa/js/rules.js is stale: run python -m backend rules"
    )


def test_rules_command_writes_and_checks(tmp_path: Path) -> None:
    checked = run_cli(tmp_path, "rules", "--check")
    assert checked.returncode == 0, checked.stderr
    assert "up to date" in checked.stdout


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _samples(rule: dict[str, Any]) -> list[Any]:
    """Values on both sides of each limit of one field's rule."""
    kind = rule["type"]
    if kind in ("int", "number"):
        low, high = rule.get("min"), rule.get("max")
        values: list[Any] = [v for v in (low, high) if v is not None]
        values += [low - 1] if low is not None else []
        values += [high + 1] if high is not None else []
        values += [(low if low is not None else 0) + 0.5, "1"]
        return values
    if kind == "text":
        limit = rule.get("maxBytes") or rule.get("maxLength")
        values = ["", " ", "ok", rule.get("example", "").strip('"')]
        if limit:
            values += ["a" * limit, "a" * (limit + 1), "€" * (limit // 3), "€" * (limit // 3 + 1)]
        return values
    if kind == "choice":
        return [*rule["choices"], "nope"]
    if kind == "bool":
        return [True, False, "yes"]
    if kind == "datetime":
        return [
            _iso(NOW - dt.timedelta(hours=1)),
            _iso(NOW + dt.timedelta(hours=23)),
            _iso(NOW + dt.timedelta(hours=25)),
            "2026-11-27 08:05:00+01:00",
            "2026-11-27T08:05:00",
        ]
    if kind == "date":
        # Dates a day apart from the edge: the app refuses the day after tomorrow on the
        # phone's calendar, the server only past tomorrow anywhere on Earth.
        return ["2026-12-04", "2026-12-05", "2026-12-07", "2026-02-30", "2026-1-5"]
    if kind == "list":
        item = _samples(rule["item"])[:2]
        most = rule.get("maxItems", 3)
        return [[], item, [item[0]] * most, [item[0]] * (most + 1), ["x" * 65]]
    return [1, "x", None]


def _cases() -> list[dict[str, Any]]:
    cases = []
    for kind, spec in jsrules.rules()["kinds"].items():
        for name, rule in spec["fields"].items():
            for value in _samples(rule):
                cases.append({"kind": kind, "values": {name: value}})
    return cases


def _server_ok(case: dict[str, Any]) -> bool:
    kind = case["kind"]
    record_id = jsrules.rules()["singletons"].get(kind, RID)
    return validate_change(kind=kind, record_id=record_id, fields=case["values"], now=NOW) is None


_CLIENT = """
import { checkRecord } from './pwa/js/validate.js';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const nowMs = Number(process.argv[1]);
console.log(JSON.stringify(cases.map((c) => checkRecord(c.kind, c.values, { nowMs }) === null)));
"""


def _client_ok(cases: list[dict[str, Any]]) -> list[bool]:
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is required in CI")
        pytest.skip("node not found")
    out = subprocess.run(
        [node, "--input-type=module", "-e", _CLIENT, str(NOW.timestamp() * 1000)],
        input=json.dumps(cases),
        cwd=ROOT,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    verdicts: list[bool] = json.loads(out)
    return verdicts


def test_app_and_server_agree_on_every_boundary_value() -> None:
    cases = _cases()
    client = _client_ok(cases)
    assert len(cases) > 500
    disagree = [
        (case, server, phone)
        for case, phone in zip(cases, client, strict=True)
        if (server := _server_ok(case)) != phone
    ]
    # The app may only ever be stricter than the server on dates (see _samples); here it is
    # never more lenient, which is what strands an entry: stored on the phone, refused later.
    lenient = [d for d in disagree if d[2] and not d[1]]
    assert lenient == [], lenient[:5]
    assert disagree == [], disagree[:5]
