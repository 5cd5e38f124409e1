"""Every route, generated from the app: another person's ids get Bob nothing of Alice's.

The routes come from the running app (`app.routes`), so a route added later fails
`test_every_route_has_an_access_case` until it is listed here: in PUBLIC with the reason it
needs no session, or in CASES with how to call it using Alice's ids (record ids, change ids,
device ids, push endpoints, snooze occurrences, passphrase, sync epoch, share ids).

For each case Bob, signed in, makes the request with Alice's id and again with a fresh
random one (or, where api.md says so, a refused one). Alice's id must get him the answer
the random id gets: same status and body, so it tells him nothing, not even that the id
exists. Nothing of Alice's may appear in any answer he gets, and after every request
Alice's account, devices, sessions, records, history, subscriptions and reminders are
exactly as before. Without a session every such route answers 401.

Differences api.md requires are listed with their reason (`same=False`): a device id is
registered to one person for good, so another person's is 403 (a fresh one is registered).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar import Litestar

from backend.app import create_app
from backend.db import fetch
from tests.api.sync_helpers import change, envelope
from tests.conftest import PASSPHRASE, http_client, make_test_settings
from tests.support.push_service import LocalPushService, b64url_encode

Body = dict[str, Any] | None
Call = Callable[["Ids", "Ids"], tuple[str, Body]]  # (target's ids, Bob's ids) -> path, body
DAY = "2026-12-01"


@dataclass(frozen=True)
class Ids:
    """One person's identifiers, as someone who got hold of them would use them."""

    user_id: str
    username: str
    passphrase: str
    device_id: str
    record_id: str
    change_id: str
    endpoint: str
    occurrence: str
    epoch: str
    share_id: str

    def secrets(self) -> set[str]:
        return {
            self.user_id,
            self.username,
            self.device_id,
            self.record_id,
            self.change_id,
            self.endpoint.rsplit("/", 1)[1],
            self.occurrence,
            self.epoch,
            self.share_id,
            SECRET_NOTE,
        }


SECRET_NOTE = "alice-private-note-5c1e"
ALICE_PASSPHRASE = "alice's very own passphrase"


def random_ids(origin: str) -> Ids:
    """Ids nobody has: what a guess looks like."""
    rid = str(uuid.uuid4())
    return Ids(
        user_id=str(uuid.uuid4()),
        username=f"nobody{secrets.token_hex(4)}",
        passphrase=f"not the passphrase {secrets.token_hex(4)}",
        device_id=str(uuid.uuid4()),
        record_id=rid,
        change_id=str(uuid.uuid4()),
        endpoint=f"{origin}/push/{secrets.token_urlsafe(12)}",
        occurrence=f"{rid}@{DAY}T08:00+00:00",
        epoch=str(uuid.uuid4()),
        share_id=str(uuid.uuid4()),
    )


def exact(response: httpx.Response) -> Any:
    return response.status_code, response.headers.get("content-type"), response.content


def sync_outcome(response: httpx.Response) -> Any:
    """What a sync answer says about the changes sent, without Bob's own seqs and clocks."""
    if response.status_code != 200:
        return exact(response)
    body = response.json()
    results = [
        (r["status"], r.get("original_status"), (r.get("error") or {}).get("code"))
        for r in body["results"]
    ]
    reset = body["reset"] and (body["reset"]["reason"], body["reset"]["epoch"] == body["epoch"])
    return response.status_code, results, reset


@dataclass(frozen=True)
class Probe:
    """One request Bob makes with Alice's ids (`call(alice, bob)`).

    `control` is what Alice's ids are compared with: by default the same call with random
    ids. `same=False` marks a difference api.md requires (`why` says which).
    """

    what: str
    call: Call
    status: frozenset[int]
    view: Callable[[httpx.Response], Any] = exact
    control: Call | None = None
    same: bool = True
    why: str = ""


def probe(what: str, call: Call, *status: int, **options: Any) -> Probe:
    return Probe(what, call, frozenset(status), **options)


def checkin(record_id: str, change_id: str, note: str = "bob's") -> dict[str, Any]:
    fields = {"at": "2026-11-27T08:05:00+01:00", "mood": 3, "note": note}
    return change(record_id, fields, change_id=change_id)


def sync_body(target: Ids, me: Ids, **extra: Any) -> tuple[str, Body]:
    return "/api/v1/sync", envelope([], device=me.device_id, **extra)


def subscription(endpoint: str, device_id: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": KEYS, "device_id": device_id}


def fresh_keys() -> dict[str, str]:
    """A valid P-256 point and auth secret (checked before the endpoint is looked at)."""
    point = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"p256dh": b64url_encode(raw), "auth": b64url_encode(secrets.token_bytes(16))}


KEYS = fresh_keys()
REFUSED_ENDPOINT = "http://push.example/not-loopback"

# Routes that need no session, and why. Their inputs are not another person's ids.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): "load balancer health check",
    ("POST", "/api/v1/auth/signup"): "creates an account",
    ("POST", "/api/v1/auth/login"): "starts a session (a device id case is in AUTH_PROBES)",
    ("POST", "/api/v1/auth/recover"): "starts a session with the recovery code",
    ("GET", "/api/v1/push/key"): "the server's VAPID public key, the same for everyone",
    (
        "GET",
        "/api/v1/metrics",
    ): "Prometheus metrics: a bearer token from TEND_METRICS_TOKEN, not a session (else 404)",
    ("GET", "/api/v1/schema"): "the OpenAPI document",
    ("GET", "/api/v1/schema/openapi.json"): "the OpenAPI document",
    ("GET", "/api/v1/schema/{path}"): "OpenAPI renderers (404 for anything but JSON)",
    ("GET", "/"): "the PWA's index.html",
    ("GET", "/{file_path}"): "the PWA's static files",
    ("HEAD", "/{file_path}"): "the PWA's static files",
    ("GET", "/s"): "the clinician's share pages: the link's token is the secret, no session",
    ("GET", "/s/{rest}"): "the clinician's share pages: the link's token is the secret",
    ("POST", "/s/{rest}"): "a share link's passcode form: the token and the code are the secrets",
    (
        "POST",
        "/shl/{manifest_id}",
    ): "a health link's manifest (HL7 SHL): the manifest id is the secret",
    ("GET", "/shl/file/{token}"): "a health link's single-use file: the token is the secret",
}

NO_ID = "no id: answers about Bob only"
DEVICE_403 = "api.md: a device id belongs to one person for good; another's is 403"

CASES: dict[tuple[str, str], list[Probe]] = {
    ("POST", "/api/v1/auth/logout"): [
        probe(NO_ID, lambda a, b: ("/api/v1/auth/logout", None), 204, control=None)
    ],
    ("GET", "/api/v1/account"): [probe(NO_ID, lambda a, b: ("/api/v1/account", None), 200)],
    ("DELETE", "/api/v1/account"): [
        probe(
            "Alice's passphrase",
            lambda a, b: ("/api/v1/account", {"passphrase": a.passphrase}),
            401,
        )
    ],
    ("GET", "/api/v1/account/export"): [
        probe(NO_ID, lambda a, b: ("/api/v1/account/export", None), 200)
    ],
    ("GET", "/api/v1/account/devices"): [
        probe(NO_ID, lambda a, b: ("/api/v1/account/devices", None), 200)
    ],
    ("DELETE", "/api/v1/account/devices/{device_id}"): [
        probe(
            "Alice's device id",
            lambda a, b: (f"/api/v1/account/devices/{a.device_id}", None),
            404,
        )
    ],
    ("POST", "/api/v1/account/passphrase"): [
        probe(
            "Alice's passphrase",
            lambda a, b: (
                "/api/v1/account/passphrase",
                {"current": a.passphrase, "new": "a brand new passphrase"},
            ),
            401,
        )
    ],
    ("POST", "/api/v1/sync"): [
        probe(
            "Alice's record id",
            lambda a, b: (
                "/api/v1/sync",
                envelope([checkin(a.record_id, str(uuid.uuid4()))], device=b.device_id),
            ),
            200,
            view=sync_outcome,
        ),
        probe(
            "Alice's change id",
            lambda a, b: (
                "/api/v1/sync",
                envelope([checkin(str(uuid.uuid4()), a.change_id)], device=b.device_id),
            ),
            200,
            view=sync_outcome,
        ),
        probe(
            "Alice's epoch",
            lambda a, b: sync_body(a, b, epoch=a.epoch, cursor=0),
            200,
            view=sync_outcome,
        ),
        probe(
            "Alice's device id",
            lambda a, b: sync_body(a, a),
            403,
            same=False,
            why=DEVICE_403,
        ),
    ],
    ("GET", "/api/v1/sync/status"): [probe(NO_ID, lambda a, b: ("/api/v1/sync/status", None), 200)],
    ("GET", "/api/v1/insights"): [
        probe(NO_ID, lambda a, b: (f"/api/v1/insights?from=2026-01-01&to={DAY}", None), 200)
    ],
    ("POST", "/api/v1/shares"): [
        probe(NO_ID, lambda a, b: ("/api/v1/shares", {"categories": ["checkin"]}), 201)
    ],
    ("GET", "/api/v1/shares"): [probe(NO_ID, lambda a, b: ("/api/v1/shares", None), 200)],
    ("GET", "/api/v1/shares/preview"): [
        probe(NO_ID, lambda a, b: ("/api/v1/shares/preview", None), 200)
    ],
    ("DELETE", "/api/v1/shares/{share_id}"): [
        probe("Alice's share id", lambda a, b: (f"/api/v1/shares/{a.share_id}", None), 404)
    ],
    ("GET", "/api/v1/records/{record_id}/history"): [
        probe(
            "Alice's record id",
            lambda a, b: (f"/api/v1/records/{a.record_id}/history", None),
            404,
        )
    ],
    ("POST", "/api/v1/push/subscriptions"): [
        probe(
            "Alice's endpoint",
            lambda a, b: ("/api/v1/push/subscriptions", subscription(a.endpoint, b.device_id)),
            400,
            control=lambda a, b: (
                "/api/v1/push/subscriptions",
                subscription(REFUSED_ENDPOINT, b.device_id),
            ),
            why="answered like an endpoint the server refuses (a fresh one is accepted)",
        ),
        probe(
            "Alice's device id",
            lambda a, b: (
                "/api/v1/push/subscriptions",
                subscription(f"{a.endpoint}-bob", a.device_id),
            ),
            403,
            same=False,
            why=DEVICE_403,
        ),
    ],
    ("DELETE", "/api/v1/push/subscriptions"): [
        probe(
            "Alice's endpoint",
            lambda a, b: ("/api/v1/push/subscriptions", {"endpoint": a.endpoint}),
            204,
        )
    ],
    ("POST", "/api/v1/push/test"): [
        probe(NO_ID, lambda a, b: ("/api/v1/push/test", None), 404, control=None)
    ],
    ("POST", "/api/v1/reminders/snooze"): [
        probe(
            "Alice's occurrence",
            lambda a, b: ("/api/v1/reminders/snooze", {"occurrence": a.occurrence, "minutes": 15}),
            404,
        )
    ],
}

# Public routes that take a device id: another person's is refused (api.md: Accounts).
AUTH_PROBES: list[tuple[str, Probe]] = [
    (
        "/api/v1/auth/login",
        probe(
            "Alice's device id",
            lambda a, b: (
                "/api/v1/auth/login",
                {"username": b.username, "passphrase": PASSPHRASE, "device_id": a.device_id},
            ),
            403,
            same=False,
            why=DEVICE_403,
        ),
    ),
    (
        "/api/v1/auth/signup",
        probe(
            "Alice's device id",
            lambda a, b: (
                "/api/v1/auth/signup",
                {"username": f"c{b.username}", "passphrase": PASSPHRASE, "device_id": a.device_id},
            ),
            403,
            same=False,
            why=DEVICE_403,
        ),
    ),
]


def route_keys(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every handler the app serves, path parameters without their types."""
    keys = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method == "OPTIONS":
                    continue  # Litestar's automatic CORS preflight answer
                keys.add((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)))
    return keys


@pytest.fixture(scope="module")
def served_routes(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    var = tmp_path_factory.mktemp("routes")
    return route_keys(
        create_app(make_test_settings(f"sqlite:///{var}/x.sqlite3", var_dir=str(var)))
    )


def test_every_route_has_an_access_case(served_routes: set[tuple[str, str]]) -> None:
    missing = sorted(served_routes - PUBLIC.keys() - CASES.keys())
    assert not missing, (
        f"routes with no access case: {missing}. Add each to CASES in {__file__} (how Bob"
        " calls it with Alice's ids) or, if it needs no session, to PUBLIC with the reason."
    )
    stale = sorted((PUBLIC.keys() | CASES.keys()) - served_routes)
    assert not stale, f"entries for routes the app no longer serves: {stale}"
    assert not PUBLIC.keys() & CASES.keys()


def test_the_openapi_document_lists_no_route_the_app_lacks(
    served_routes: set[tuple[str, str]],
) -> None:
    app = create_app(make_test_settings("sqlite:///:memory:"))
    schema = app.openapi_schema.to_schema()
    documented = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
    }
    assert documented, "the OpenAPI document lists no operations"
    assert documented <= served_routes, documented - served_routes


# --- the generated access test ------------------------------------------------------------


@pytest.fixture
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


@pytest.fixture
async def access_app(settings_factory: Callable[..., Any]) -> AsyncIterator[Litestar]:
    # Bob re-enters wrong passphrases and signs in before every request: no limits here.
    settings = settings_factory(
        login_user_limit=10_000, login_address_limit=10_000, signup_address_limit=10_000
    )
    application = create_app(settings)
    async with application.state.lifespan(application):
        yield application


@dataclass
class World:
    app: Litestar
    push: LocalPushService
    alice: httpx.AsyncClient
    alice_ids: Ids
    bob_ids: Ids
    alice_sub: str
    failures: list[str] = field(default_factory=list)
    sent: str = ""


async def set_up_alice(app: Litestar, push: LocalPushService) -> tuple[httpx.AsyncClient, Ids, str]:
    alice = http_client(app)
    device = str(uuid.uuid4())
    signed = await alice.post(
        "/api/v1/auth/signup",
        json={"username": "alice_private", "passphrase": ALICE_PASSPHRASE, "device_id": device},
    )
    assert signed.status_code == 201, signed.text
    sub = push.new_subscription()
    response = await alice.post(
        "/api/v1/push/subscriptions",
        json={
            "endpoint": sub.endpoint,
            "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
            "device_id": device,
        },
    )
    assert response.status_code == 201, response.text
    record_id, change_id, routine_id = (str(uuid.uuid4()) for _ in range(3))
    routine = change(
        routine_id,
        {"kind": "checkin", "title": "Evening", "times": ["20:00"], "tz": "UTC"},
        kind="routine",
    )
    body = envelope([checkin(record_id, change_id, SECRET_NOTE), routine], device=device)
    synced = await alice.post("/api/v1/sync", json=body)
    assert synced.status_code == 200, synced.text
    assert [r["status"] for r in synced.json()["results"]] == ["applied", "applied"]
    rows = await fetch(
        app.state.services.engine,
        "SELECT occurrence FROM reminder WHERE routine_id = {} LIMIT 1",
        uuid.UUID(routine_id),
    )
    shared = await alice.post("/api/v1/shares", json={"categories": ["checkin", "notes"]})
    assert shared.status_code == 201, shared.text
    ids = Ids(
        user_id=signed.json()["user_id"],
        username="alice_private",
        passphrase=ALICE_PASSPHRASE,
        device_id=device,
        record_id=record_id,
        change_id=change_id,
        endpoint=sub.endpoint,
        occurrence=rows[0]["occurrence"],
        epoch=synced.json()["epoch"],
        share_id=shared.json()["id"],
    )
    return alice, ids, sub.id


async def fingerprint(world: World) -> Any:
    """Everything of Alice's, minus the times her own reads move (last seen)."""
    alice, ids, engine = world.alice, world.alice_ids, world.app.state.services.engine
    account = await alice.get("/api/v1/account")
    devices = await alice.get("/api/v1/account/devices")
    export = await alice.get("/api/v1/account/export")
    history = await alice.get(f"/api/v1/records/{ids.record_id}/history")
    status = await alice.get("/api/v1/sync/status")
    shares = await alice.get("/api/v1/shares")
    user = uuid.UUID(ids.user_id)

    def rows(sql: str) -> Any:
        return fetch(engine, sql, user)

    return {
        "account": (account.status_code, account.json()),
        "devices": (
            devices.status_code,
            [{k: v for k, v in d.items() if k != "last_seen_at"} for d in devices.json()],
        ),
        "records": (export.status_code, export.json().get("records")),
        "history": (history.status_code, history.json()),
        "sync": (
            status.status_code,
            {k: v for k, v in status.json().items() if k != "server_time"},
        ),
        "shares": (shares.status_code, shares.json()),
        "sessions": await rows("SELECT id, device_id FROM session WHERE user_id = {} ORDER BY id"),
        "subscriptions": await rows(
            "SELECT id, device_id, endpoint, p256dh, auth FROM push_subscription"
            " WHERE user_id = {} ORDER BY id"
        ),
        "reminders": await rows(
            "SELECT id, slot, state, due_at FROM reminder WHERE user_id = {} ORDER BY id"
        ),
        "pushes": len(world.push.messages_for(world.alice_sub)),
    }


async def as_bob(
    world: World, method: str, call: Call, target: Ids, *, signed_in: bool = True
) -> httpx.Response:
    """Bob signs in afresh (an earlier request may have signed him out) and makes `call`."""
    async with http_client(world.app) as bob:
        if signed_in:
            login = await bob.post(
                "/api/v1/auth/login",
                json={
                    "username": world.bob_ids.username,
                    "passphrase": PASSPHRASE,
                    "device_id": world.bob_ids.device_id,
                },
            )
            assert login.status_code == 200, login.text
        path, body = call(target, world.bob_ids)
        return await bob.request(method, path, json=body)


async def check_probe(world: World, method: str, route: str, p: Probe, before: Any) -> None:
    name = f"{method} {route} with {p.what}"
    foreign = await as_bob(world, method, p.call, world.alice_ids)
    path, body = p.call(world.alice_ids, world.bob_ids)
    if foreign.status_code not in p.status:
        world.failures.append(f"{name}: {foreign.status_code} {foreign.text[:300]}")
    # An id Bob sent (now or in an earlier request) is his own input, not something learnt.
    world.sent += f" {path} {body}"
    leaked = {s for s in world.alice_ids.secrets() if s in foreign.text and s not in world.sent}
    if leaked:
        world.failures.append(f"{name}: the answer holds Alice's {sorted(leaked)}")
    if p.same:
        fresh = random_ids(world.push.origin)
        if p.control is not None:
            control = await as_bob(world, method, p.control, fresh)
        elif p.what != NO_ID:
            control = await as_bob(world, method, p.call, fresh)
        else:
            control = None
        if control is not None and p.view(foreign) != p.view(control):
            world.failures.append(
                f"{name}: differs from {'a refused' if p.control else 'a random'} id:"
                f" {p.view(foreign)!r} != {p.view(control)!r}"
            )
    after = await fingerprint(world)
    if after != before:
        changed = [k for k in before if before[k] != after[k]]
        world.failures.append(f"{name}: changed Alice's {changed}")


async def test_another_persons_ids_get_nothing_and_change_nothing(
    access_app: Litestar, push_service: LocalPushService
) -> None:
    alice, alice_ids, alice_sub = await set_up_alice(access_app, push_service)
    try:
        bob_ids = replace(random_ids(push_service.origin), username="bob_other")
        async with http_client(access_app) as bob:
            signed = await bob.post(
                "/api/v1/auth/signup",
                json={
                    "username": "bob_other",
                    "passphrase": PASSPHRASE,
                    "device_id": bob_ids.device_id,
                },
            )
            assert signed.status_code == 201, signed.text
        world = World(access_app, push_service, alice, alice_ids, bob_ids, alice_sub)
        before = await fingerprint(world)
        assert before["records"][0] == 200 and len(before["records"][1]) == 2, before
        probes = 0
        for (method, route), route_probes in sorted(CASES.items()):
            for p in route_probes:
                await check_probe(world, method, route, p, before)
                probes += 1
                # Without a session, the same request is a 401 before anything else.
                anonymous = await as_bob(world, method, p.call, alice_ids, signed_in=False)
                if anonymous.status_code != 401:
                    world.failures.append(
                        f"{method} {route} without a session: {anonymous.status_code}"
                    )
        for route, p in AUTH_PROBES:
            await check_probe(world, "POST", route, p, before)
            probes += 1
        # The refused sign-up left no account behind.
        async with http_client(access_app) as carol:
            login = await carol.post(
                "/api/v1/auth/login", json={"username": "cbob_other", "passphrase": PASSPHRASE}
            )
            assert login.status_code == 401, login.text
        print(f"{probes} access probes on {len(CASES)} routes")
        assert not world.failures, "\n".join(world.failures)
    finally:
        await alice.aclose()
