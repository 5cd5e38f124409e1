"""Push subscriptions cannot point the server inward, take over others' endpoints, or make
one person's test push touch anyone else.

Found by an outside attack:
- in prod, endpoints at 169.254.169.254, private ranges, [fd00::1], 127.0.0.1:5432,
  2130706433, `localhost.` and names resolving to loopback were accepted, `push/test` then
  connected there, and its answer told "no connection" from "some reply" (a port probe);
  the sender followed redirects (a 307 to an internal http URL);
- `push/test` ran the global scheduler tick: everyone's due reminders went out inside one
  person's request, and the answer counted them;
- posting another person's endpoint moved their subscription to the poster.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar

from backend.app import create_app
from backend.db import execute, fetch
from backend.reminders.planner import NewReminder, add_reminders
from backend.settings import Settings
from tests.api.sync_helpers import DEVICE
from tests.conftest import http_client, signup
from tests.support.push_service import LocalPushService

SUBSCRIPTIONS = "/api/v1/push/subscriptions"
PUBLIC_IP = "93.184.215.14"  # any global unicast address; nothing ever connects to it here


# --- helpers ------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_keys() -> dict[str, str]:
    """Valid subscription keys (a P-256 point and a 16-byte secret) for any endpoint."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


async def post_subscription(
    client: httpx.AsyncClient, endpoint: str, keys: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        SUBSCRIPTIONS,
        json={"endpoint": endpoint, "keys": keys or new_keys(), "device_id": str(uuid.uuid4())},
    )


class FakeDns:
    """Names this test decides the addresses of; everything else resolves as usual."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}

    def getaddrinfo(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if isinstance(name, str) and name.rstrip(".").lower() in self.names:
                number = int(port or 443)
                return [
                    (
                        socket.AF_INET6 if ":" in ip else socket.AF_INET,
                        socket.SOCK_STREAM,
                        6,
                        "",
                        (ip, number, 0, 0) if ":" in ip else (ip, number),
                    )
                    for ip in self.names[name.rstrip(".").lower()]
                ]
            return real(host, port, *args, **kwargs)

        return fake


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo(socket.getaddrinfo))
    return fake


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Litestar]:
    app = create_app(settings)
    async with app.state.lifespan(app):
        yield app


@pytest.fixture
async def prod_app(settings_factory: Callable[..., Settings]) -> AsyncIterator[Litestar]:
    async with running(settings_factory(env="prod")) as app:
        yield app


@contextlib.contextmanager
def listener() -> Iterator[socket.socket]:
    """A listening socket on loopback that nobody should ever reach."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def connections_to(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = sock.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def redirecting_server(location: str) -> AsyncIterator[tuple[str, list[bytes]]]:
    """An http server on loopback answering every request with a 307 to `location`."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        requests.append(head)
        writer.write(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: "
            + location.encode()
            + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/push/redirected", requests
    finally:
        server.close()
        await server.wait_closed()


# --- prod: only public push services ------------------------------------------------------

REFUSED_ENDPOINTS = [
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.0.0.5/push/x",
    "https://172.16.0.1/push/x",
    "https://192.168.1.1/push/x",
    "https://100.64.0.1/push/x",
    "https://[fd00::1]/push/x",
    "https://[::1]/push/x",
    "https://[::ffff:127.0.0.1]/push/x",
    "https://[fe80::1]/push/x",
    "https://127.0.0.1:5432/push/x",
    "https://0.0.0.0/push/x",
    "https://2130706433/push/x",
    "https://0x7f000001/push/x",
    "https://0177.0.0.1/push/x",
    "https://127.1/push/x",
    "https://0x7f.0x0.0x0.0x1/push/x",
    "https://localhost/push/x",
    "https://localhost./push/x",
    "https://push.localhost/push/x",
    "https://loopback.example.com/push/x",
    "https://mixed.example.com/push/x",
    "https://nowhere.invalid/push/x",
    "http://push.example.com/push/x",
    "https://user:pw@push.example.com/push/x",
]


async def test_prod_refuses_endpoints_that_are_not_public_push_services(
    prod_app: Litestar, dns: FakeDns
) -> None:
    dns.names.update(
        {
            "metadata.google.internal": ["169.254.169.254"],
            "loopback.example.com": ["127.0.0.1"],
            "mixed.example.com": [PUBLIC_IP, "10.1.2.3"],
            "push.example.com": [PUBLIC_IP],
        }
    )
    async with http_client(prod_app) as client:
        await signup(client)
        answers = {}
        for endpoint in REFUSED_ENDPOINTS:
            response = await post_subscription(client, endpoint)
            answers[endpoint] = (response.status_code, response.json())
        accepted = await post_subscription(client, "https://push.example.com/push/x")
        assert accepted.status_code == 201, accepted.text
    wrong = {e: a for e, a in answers.items() if a[0] != 400 or a[1]["code"] != "invalid-endpoint"}
    assert wrong == {}
    # One answer for all of them: which rule refused an endpoint is not told.
    assert len({str(body) for _, body in answers.values()}) == 1
    rows = await fetch(prod_app.state.services.engine, "SELECT endpoint FROM push_subscription")
    assert [r["endpoint"] for r in rows] == ["https://push.example.com/push/x"]


async def test_prod_push_hosts_can_be_limited_to_known_services(
    settings_factory: Callable[..., Settings], dns: FakeDns
) -> None:
    dns.names.update({"fcm.googleapis.com": [PUBLIC_IP], "evil.example.net": [PUBLIC_IP]})
    settings = settings_factory(env="prod", push_allowed_hosts="googleapis.com, push.apple.com")
    async with running(settings) as app, http_client(app) as client:
        await signup(client)
        ok = await post_subscription(client, "https://fcm.googleapis.com/fcm/send/abc")
        assert ok.status_code == 201, ok.text
        refused = await post_subscription(client, "https://evil.example.net/fcm/send/abc")
        assert refused.status_code == 400
        assert refused.json()["code"] == "invalid-endpoint"


async def test_prod_never_connects_to_a_non_public_address(
    prod_app: Litestar, dns: FakeDns
) -> None:
    """Checked when posted, and again at connect time: a name that resolved to a public
    address when the subscription was made and to loopback later (DNS rebinding), or an
    internal endpoint stored before these rules, gets no connection, from the test push or
    from the scheduler."""
    with listener() as inside:
        port = inside.getsockname()[1]
        dns.names["rebind.example.com"] = [PUBLIC_IP]
        async with http_client(prod_app) as client:
            me = await signup(client)
            posted = await post_subscription(client, f"https://rebind.example.com:{port}/push/a")
            assert posted.status_code == 201, posted.text
            dns.names["rebind.example.com"] = ["127.0.0.1"]
            # Stored before the rules existed (or written by hand): used for nothing either.
            for endpoint in (f"https://127.0.0.1:{port}/push/b", f"http://127.0.0.1:{port}/c"):
                await execute(
                    prod_app.state.services.engine,
                    "INSERT INTO push_subscription (user_id, device_id, endpoint, p256dh, auth,"
                    " created_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {})",
                    uuid.UUID(me["user_id"]),
                    uuid.UUID(me["device_id"]),
                    endpoint,
                    *new_keys().values(),
                    datetime.now(UTC),
                    datetime.now(UTC),
                )
            test = await client.post("/api/v1/push/test")
            assert test.status_code == 202
            assert test.json()["status"] == "queued"
        now = datetime.now(UTC)
        await add_reminders(
            prod_app.state.services.engine,
            [NewReminder(uuid.UUID(me["user_id"]), None, "x@1", "main", "x@1", now)],
        )
        await prod_app.state.services.reminders().sender.tick(now + timedelta(hours=2))
        assert connections_to(inside) == 0


async def test_redirects_are_never_followed(app: Litestar) -> None:
    with listener() as inside:
        target = f"http://127.0.0.1:{inside.getsockname()[1]}/internal"
        async with redirecting_server(target) as (endpoint, requests), http_client(app) as client:
            await signup(client)
            assert (await post_subscription(client, endpoint)).status_code == 201
            test = await client.post("/api/v1/push/test")
            assert test.status_code == 202
            assert test.json()["status"] == "queued"
            assert len(requests) == 1
        assert connections_to(inside) == 0


async def test_every_delivery_failure_gives_the_same_answer(app: Litestar) -> None:
    """No connection, a refusal, a server error, gone, a redirect: one answer for all."""
    answers: dict[str, Any] = {}
    with LocalPushService() as push_service:
        async with redirecting_server("http://127.0.0.1:9/x") as (redirect, _):
            scripted = {"refused 400": 400, "error 500": 500, "gone 410": 410, "401": 401}
            cases: dict[str, str] = {
                "no connection": f"http://127.0.0.1:{closed_port()}/push/x",
                "redirect": redirect,
            }
            subs = {}
            for name in scripted:
                sub = push_service.new_subscription()
                push_service.respond_with(sub.id, scripted[name])
                cases[name], subs[name] = sub.endpoint, sub
            for index, (name, endpoint) in enumerate(cases.items()):
                async with http_client(app) as client:
                    await signup(client, f"person{index}")
                    sub = subs.get(name)
                    keys = {"p256dh": sub.p256dh, "auth": sub.auth} if sub else None
                    assert (await post_subscription(client, endpoint, keys)).status_code == 201
                    response = await client.post("/api/v1/push/test")
                    answers[name] = (response.status_code, response.json())
    assert len({str(a) for a in answers.values()}) == 1, answers
    assert next(iter(answers.values()))[1]["status"] == "queued"


def test_public_address_rules() -> None:
    import ipaddress

    from backend.reminders.endpoints import is_public_address

    public = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"]
    inside = [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2001::1",
        "ff02::1",
    ]
    assert [ip for ip in public if not is_public_address(ipaddress.ip_address(ip))] == []
    assert [ip for ip in inside if is_public_address(ipaddress.ip_address(ip))] == []


# --- push/test: this person only, and not without end ------------------------------------


@pytest.fixture
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


async def _subscribed(
    app: Litestar, push_service: LocalPushService, name: str
) -> tuple[httpx.AsyncClient, dict[str, Any], str]:
    client = http_client(app)
    me = await signup(client, name)
    sub = push_service.new_subscription()
    response = await client.post(
        SUBSCRIPTIONS,
        json={
            "endpoint": sub.endpoint,
            "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
            "device_id": DEVICE if name == "alice" else str(uuid.uuid4()),
        },
    )
    assert response.status_code == 201, response.text
    return client, me, sub.id


async def test_push_test_touches_only_the_person_asking(
    app: Litestar, push_service: LocalPushService
) -> None:
    alice, alice_me, alice_sub = await _subscribed(app, push_service, "alice")
    bob, bob_me, bob_sub = await _subscribed(app, push_service, "bobby")
    due = datetime.now(UTC) - timedelta(minutes=1)
    await add_reminders(
        app.state.services.engine,
        [
            NewReminder(uuid.UUID(me["user_id"]), None, f"{name}@1", "main", f"{name}@1", due)
            for name, me in (("alice", alice_me), ("bob", bob_me))
        ],
    )
    test = await alice.post("/api/v1/push/test")
    assert test.status_code == 202
    assert push_service.messages_for(bob_sub) == []
    assert [m.json()["kind"] for m in push_service.messages_for(alice_sub)] == ["test"]
    body = test.json()
    assert body["status"] == "sent"
    assert not any(ch.isdigit() for ch in body["detail"])  # no counts of anyone's reminders
    pending = await fetch(
        app.state.services.engine,
        "SELECT occurrence FROM reminder WHERE purpose = 'main' AND state = 'pending'"
        " ORDER BY occurrence",
    )
    assert [r["occurrence"] for r in pending] == ["alice@1", "bob@1"]  # left to the scheduler
    await alice.aclose()
    await bob.aclose()


async def test_push_test_is_limited_per_person(
    app: Litestar, push_service: LocalPushService
) -> None:
    alice, _, alice_sub = await _subscribed(app, push_service, "alice")
    bob, _, _ = await _subscribed(app, push_service, "bobby")
    for _ in range(5):
        assert (await alice.post("/api/v1/push/test")).status_code == 202
    limited = await alice.post("/api/v1/push/test")
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "rate-limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 900
    assert len(push_service.messages_for(alice_sub)) == 5
    assert (await bob.post("/api/v1/push/test")).status_code == 202
    await alice.aclose()
    await bob.aclose()


# --- someone else's endpoint --------------------------------------------------------------


async def test_another_persons_endpoint_is_refused_like_an_invalid_one(
    app: Litestar, push_service: LocalPushService
) -> None:
    alice, alice_me, alice_sub = await _subscribed(app, push_service, "alice")
    mallory = http_client(app)
    await signup(mallory, "mallory")
    [row] = await fetch(app.state.services.engine, "SELECT endpoint, p256dh FROM push_subscription")
    taken = await post_subscription(mallory, row["endpoint"])
    invalid = await post_subscription(mallory, "http://push.example/x")
    assert taken.status_code == invalid.status_code == 400
    assert taken.json() == invalid.json()
    assert taken.json()["code"] == "invalid-endpoint"
    [after] = await fetch(
        app.state.services.engine, "SELECT user_id, p256dh FROM push_subscription"
    )
    assert (str(after["user_id"]), after["p256dh"]) == (alice_me["user_id"], row["p256dh"])
    # Mallory has no subscription; Alice's still reaches Alice.
    assert (await mallory.post("/api/v1/push/test")).status_code == 404
    assert (await alice.post("/api/v1/push/test")).json()["status"] == "sent"
    assert len(push_service.messages_for(alice_sub)) == 1
    await alice.aclose()
    await mallory.aclose()
