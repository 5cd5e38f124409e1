"""Schemathesis against /api/v1/schema/openapi.json, signed in with a real session cookie.

The engine runs as its command line would (examples, coverage, fuzzing, then stateful
sequences over the links it infers: devices -> DELETE device, sync -> record history) against
the ASGI app on each database. Every operation with inputs gets at least
TEND_TEST_SCHEMATHESIS_EXAMPLES generated requests, valid and invalid. Every check is on: no
5xx, and every status code, content type, header and body is one the document promises.

The pytest plugin's `from_fixture` does not run on pytest 9.2 (it sets `Node._nodeid`), so
the engine is driven directly and its failures are reported here, each with a curl command.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import pytest
import schemathesis
from litestar import Litestar
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from backend.accounts.auth import COOKIE_NAME
from backend.app import create_app
from backend.settings import Settings
from tests.conftest import PASSPHRASE

EXAMPLES = int(os.environ.get("TEND_TEST_SCHEMATHESIS_EXAMPLES", "100"))
# An operation whose only input is an id in its path gets few distinct fuzzed cases (a
# dozen); it reaches EXAMPLES through the stateful links that feed it ids (devices, shares).
# 70 left DELETE /shares/{id} at 82 cases when other test modules had run first in the same
# process (generation is deterministic per process state, not across test orders).
STATEFUL_EXAMPLES = int(os.environ.get("TEND_TEST_SCHEMATHESIS_STATEFUL_EXAMPLES", "100"))
SCHEMA_PATH = "/api/v1/schema/openapi.json"

# What a request that the document allows may still get when a rule beyond JSON Schema says no.
RULE_STATUSES = ["2xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "continue-on-failure": True,
        "checks": {"enabled": True},
        # Sequences of valid requests: a negated session cookie would end a chain at its
        # first step (the fuzzing phase already sends those to every operation).
        "phases": {
            "stateful": {
                "max-steps": 12,
                "generation": {"mode": "positive", "max-examples": STATEFUL_EXAMPLES},
            }
        },
        "operations": [
            {
                # The passphrase rules (backend/accounts/passphrase.py: no repeated character,
                # not the username, no control characters) are no JSON Schema, so a passphrase
                # the document allows may still get 400 `weak-passphrase`.
                "include-path": [
                    "/api/v1/auth/signup",
                    "/api/v1/auth/recover",
                    "/api/v1/account/passphrase",
                ],
                "checks": {"positive_data_acceptance": {"expected-statuses": RULE_STATUSES}},
            },
            {
                # A push endpoint must be a URL of a push service (backend/reminders/endpoints.py)
                # and the keys a P-256 point and a 16-byte secret: 400 for any other text.
                "include-path": "/api/v1/push/subscriptions",
                "include-method": "POST",
                "checks": {"positive_data_acceptance": {"expected-statuses": RULE_STATUSES}},
            },
            {
                # Insights: `from` after `to`, or a period over 3,660 days, is 400
                # `invalid-period` (a rule across two parameters, which JSON Schema cannot say).
                "include-path": "/api/v1/insights",
                "checks": {"positive_data_acceptance": {"expected-statuses": RULE_STATUSES}},
            },
            {
                # Shares: `from` after `to` is 400 `invalid-period`, no category or `notes`
                # without `checkin` 400 `invalid-categories` (rules JSON Schema cannot say).
                # A stateful sequence may end its person's session between creating a share
                # and deleting it (logout, signing out a device); SessionAuth then signs up a
                # new person, to whom the first one's share is rightly 404. The API tests
                # check that a person's own new share can be listed and turned off.
                "include-path": "/api/v1/shares",
                "include-method": "POST",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": RULE_STATUSES},
                    "ensure_resource_availability": {"enabled": False},
                },
            },
            {
                "include-path": "/api/v1/shares/{share_id}",
                "checks": {"ensure_resource_availability": {"enabled": False}},
            },
            {
                "include-path": "/api/v1/shares/preview",
                "checks": {"positive_data_acceptance": {"expected-statuses": RULE_STATUSES}},
            },
            {
                # sync.md: a protocol under 1 or a schema_version under 1 is 426 (update the app).
                "include-path": "/api/v1/sync",
                "checks": {
                    "negative_data_rejection": {
                        "expected-statuses": ["400", "401", "403", "413", "415", "426"]
                    }
                },
            },
        ],
    }
)
# Operations a signed-in person must get a 2xx from at least once, so that a broken sign-in
# (every request a 401) cannot pass for a clean run.
MUST_SUCCEED = {
    "GET /api/v1/health",
    "GET /api/v1/push/key",
    "GET /api/v1/account",
    "GET /api/v1/account/devices",
    "GET /api/v1/account/export",
    "DELETE /api/v1/account/devices/{device_id}",
    "POST /api/v1/auth/logout",
    "POST /api/v1/sync",
    "GET /api/v1/insights",
    "POST /api/v1/shares",
    "GET /api/v1/shares",
    "GET /api/v1/shares/preview",
    "GET /api/v1/sync/status",
    "DELETE /api/v1/push/subscriptions",
}
# Nothing to vary but the session cookie: a handful of distinct requests is all there is.
WITHOUT_INPUTS = {"GET /api/v1/health", "GET /api/v1/push/key"}


def _session_token(app: Litestar) -> str:
    """Sign up a new person through the app itself; the session cookie's value."""
    with asgi.get_client(app) as client:
        response = client.post(
            "/api/v1/auth/signup",
            json={"username": f"fuzz-{uuid.uuid4().hex[:12]}", "passphrase": PASSPHRASE},
        )
    assert response.status_code == 201, response.text
    cookie: SimpleCookie = SimpleCookie()
    for header in response.raw.headers.getlist("set-cookie"):
        cookie.load(header)
    return cookie[COOKIE_NAME].value


def _signed_in(app: Litestar, token: str) -> bool:
    with asgi.get_client(app) as client:
        response = client.get("/api/v1/sync/status", cookies={COOKIE_NAME: token})
    return response.status_code == 200


# Generated requests that can end the session they are sent with.
SESSION_ENDING = {
    "POST /api/v1/auth/logout",
    "DELETE /api/v1/account/devices/{device_id}",
    "DELETE /api/v1/account",
}


class SessionAuth:
    """A signed-in person's session cookie on every request; after a request that may have
    ended it (logout, signing out a device, deleting the account), a new person signs up."""

    def __init__(self) -> None:
        self.token = ""
        self.check = False

    def get(self, case: Any, context: Any) -> str:
        if not self.token or (self.check and not _signed_in(context.app, self.token)):
            self.token = _session_token(context.app)
        self.check = case.operation.label in SESSION_ENDING
        return self.token

    def set(self, case: Any, token: str, context: Any) -> None:
        case.cookies = {**(case.cookies or {}), COOKIE_NAME: token}


@pytest.fixture
def fuzzed_app(settings_factory: Callable[..., Settings]) -> Iterator[Litestar]:
    # prod: push endpoints must be under push.invalid (RFC 6761: never resolves), so nothing
    # generated makes the server connect anywhere. The limits are raised so that generated
    # sign-ins reach the code behind them instead of stopping at 429.
    app = create_app(
        settings_factory(
            env="prod",
            push_allowed_hosts="push.invalid",
            signup_address_limit=1_000_000,
            login_address_limit=1_000_000,
            login_user_limit=1_000_000,
        )
    )
    yield app
    asgi.shutdown_lifespans()


@dataclass
class Report:
    """What one engine run did: requests per operation and every failure, readable."""

    cases: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stateful_transitions: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def run_schemathesis(app: Litestar) -> Report:
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app, config=CONFIG)
    # Not cached: SessionAuth itself knows when its session may have ended.
    schema.auth(refresh_interval=None)(SessionAuth)
    report = Report()
    started: dict[str, float] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            started[event.phase.name.value] = event.timestamp
            if event.payload is not None:
                report.stateful_transitions = event.payload.transitions_selected
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in started:
            report.seconds[event.phase.name.value] = round(
                event.timestamp - started[event.phase.name.value], 1
            )
        elif isinstance(event, events.ScenarioFinished):
            _record(report, event.recorder, event.phase.value)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            report.errors.append(repr(event.exception))
    return report


def _record(report: Report, recorder: Any, phase: str) -> None:
    for case_id, node in recorder.cases.items():
        operation = node.value.operation
        report.cases[operation.label] += 1
        report.phases[phase] += 1
        interaction = recorder.interactions.get(case_id)
        # Probes of other methods (405, OPTIONS) are recorded under the operation too.
        if (
            interaction is not None
            and interaction.response is not None
            and interaction.request.method == operation.method.upper()
            and 200 <= interaction.response.status_code < 300
        ):
            report.successes[operation.label] += 1
        for check in recorder.checks.get(case_id, []):
            if check.status == Status.FAILURE and check.failure_info is not None:
                info = check.failure_info
                report.failures.append(
                    f"{info.failure.operation} [{check.name}] {info.failure.title}\n"
                    f"  {info.failure.message}\n  {info.code_sample}"
                )


def test_every_operation_answers_as_documented(fuzzed_app: Litestar) -> None:
    report = run_schemathesis(fuzzed_app)
    # Shown with -s, and in the failure report: what ran, how long each phase took.
    print(f"schemathesis: {dict(report.phases)} in {report.seconds} s")
    print(f"cases: {dict(report.cases)}; links: {report.stateful_transitions}")
    assert not report.errors, "\n".join(report.errors)
    assert not report.failures, "\n\n".join(dict.fromkeys(report.failures))
    few = {op: n for op, n in report.cases.items() if n < EXAMPLES and op not in WITHOUT_INPUTS}
    assert not few, f"operations with fewer than {EXAMPLES} cases: {few}"
    never = MUST_SUCCEED - set(report.successes)
    assert not never, f"never a 2xx, is the session cookie sent? {sorted(never)}"
    assert report.stateful_transitions > 0 and report.phases["stateful"] > 0
