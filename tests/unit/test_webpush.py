"""Web Push sending against a real local push service: VAPID, encryption, outcomes, keys."""

from __future__ import annotations

import json
import socket
import stat
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import sign as sign_jwt

from backend.reminders.vapid import (
    VapidKeyFileError,
    VapidKeys,
    load_or_create_vapid,
    show_public_key,
)
from backend.reminders.webpush import (
    MAX_PAYLOAD_BYTES,
    PushOutcome,
    PushSubscriptionInfo,
    Urgency,
    audience_of,
    encrypt_payload,
    parse_retry_after,
    send_push,
    topic_header,
    validate_subscription_keys,
    vapid_authorization,
)
from tests.support.push_service import (
    LocalPushService,
    LocalSubscription,
    b64url_decode,
    b64url_encode,
)

NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
SUBJECT = "mailto:reminders@tend.example"
PAYLOAD = json.dumps(
    {"v": 1, "kind": "medication", "title": "Time for your 8:00 routine", "body": ""}
).encode()


@pytest.fixture(scope="module")
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService(clock=lambda: NOW) as service:
        yield service


@pytest.fixture(scope="module")
def vapid(tmp_path_factory: pytest.TempPathFactory) -> VapidKeys:
    return load_or_create_vapid(tmp_path_factory.mktemp("vapid") / "vapid.pem")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as http:
        yield http


def info(sub: LocalSubscription) -> PushSubscriptionInfo:
    return PushSubscriptionInfo(endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth)


async def push(
    client: httpx.AsyncClient,
    vapid: VapidKeys,
    sub: LocalSubscription,
    payload: bytes = PAYLOAD,
    *,
    now: datetime = NOW,
    ttl: int = 3600,
    urgency: Urgency = "high",
    topic: str | None = None,
) -> PushOutcome:
    return await send_push(
        client,
        info(sub),
        payload,
        vapid=vapid,
        subject=SUBJECT,
        ttl=ttl,
        urgency=urgency,
        topic=topic,
        now=now,
    )


async def test_message_is_verified_and_decrypted_to_the_same_bytes(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription(application_server_key=vapid.public_key_b64url)
    outcome = await push(client, vapid, sub)
    assert outcome == PushOutcome(status=201, result="sent", retry_after_s=None, detail="")
    [message] = push_service.messages_for(sub.id)
    assert message.plaintext == PAYLOAD
    assert message.claims["sub"] == SUBJECT


async def test_aud_keeps_the_non_default_port_and_exp_is_within_12_hours(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    await push(client, vapid, sub)
    [message] = push_service.messages_for(sub.id)
    port = int(push_service.origin.rsplit(":", 1)[1])
    assert message.claims["aud"] == f"http://127.0.0.1:{port}"
    ahead = message.claims["exp"] - NOW.timestamp()
    assert 11 * 3600 < ahead <= 12 * 3600


def test_audience_is_the_endpoint_origin() -> None:
    assert audience_of("https://push.example:8443/wpush/v2/abc") == "https://push.example:8443"
    assert audience_of("https://FCM.googleapis.com:443/fcm/send/x") == "https://fcm.googleapis.com"
    assert audience_of("http://127.0.0.1:80/push/x") == "http://127.0.0.1"
    with pytest.raises(ValueError, match="absolute http"):
        audience_of("ftp://push.example/x")


async def test_each_send_signs_its_own_claims(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    await push(client, vapid, sub, now=NOW)
    await push(client, vapid, sub, now=NOW + timedelta(hours=1))
    first, second = push_service.messages_for(sub.id)
    assert second.claims["exp"] - first.claims["exp"] == 3600


async def test_payload_limit_is_3993_bytes(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    biggest = b"x" * MAX_PAYLOAD_BYTES
    assert (await push(client, vapid, sub, biggest)).result == "sent"
    assert push_service.messages_for(sub.id)[0].plaintext == biggest
    with pytest.raises(ValueError, match="3994 bytes"):
        await push(client, vapid, sub, biggest + b"x")
    assert len(push_service.messages_for(sub.id)) == 1


async def test_ttl_urgency_and_topic_headers_arrive(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    occurrence = "routine-1@2026-11-27T08:00+01:00"
    await push(client, vapid, sub, ttl=600, urgency="low", topic=occurrence)
    await push(client, vapid, sub, ttl=0, urgency="normal", topic=None)
    with_topic, without_topic = push_service.messages_for(sub.id)
    assert (with_topic.ttl, with_topic.urgency) == (600, "low")
    assert with_topic.topic == topic_header(occurrence)
    assert len(with_topic.topic) == 32
    assert (without_topic.ttl, without_topic.urgency, without_topic.topic) == (0, "normal", None)


def test_topic_is_stable_per_occurrence_and_distinct_between_them() -> None:
    assert topic_header("a@2026-11-27T08:00+01:00") == topic_header("a@2026-11-27T08:00+01:00")
    assert topic_header("a@2026-11-27T08:00+01:00") != topic_header("a@2026-11-28T08:00+01:00")


@pytest.mark.parametrize(
    ("status", "result"),
    [(410, "gone"), (404, "gone"), (500, "retry"), (503, "retry"), (413, "error"), (400, "error")],
)
async def test_push_service_answers_map_to_outcomes(
    push_service: LocalPushService,
    vapid: VapidKeys,
    client: httpx.AsyncClient,
    status: int,
    result: str,
) -> None:
    sub = push_service.new_subscription()
    push_service.respond_with(sub.id, status)
    outcome = await push(client, vapid, sub)
    assert (outcome.status, outcome.result, outcome.retry_after_s) == (status, result, None)
    if status == 413:
        assert "too large" in outcome.detail
    assert push_service.messages_for(sub.id) == []
    # The scripted answer is used up: the next push is delivered.
    assert (await push(client, vapid, sub)).result == "sent"


async def test_429_and_503_honour_retry_after_seconds_and_http_date(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    push_service.respond_with(sub.id, 429, retry_after=120)
    push_service.respond_with(
        sub.id, 503, retry_after=format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    )
    first = await push(client, vapid, sub)
    second = await push(client, vapid, sub)
    assert (first.result, first.retry_after_s) == ("retry", 120.0)
    assert (second.result, second.retry_after_s) == ("retry", 90.0)


def test_retry_after_in_the_past_or_garbled() -> None:
    assert parse_retry_after(format_datetime(NOW - timedelta(minutes=1), usegmt=True), NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


async def test_expired_subscription_is_gone(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    push_service.expire(sub.id)
    assert (await push(client, vapid, sub)).result == "gone"


async def test_connection_refused_is_retried(vapid: VapidKeys, client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sub = LocalPushService().new_subscription()._replace(endpoint=f"http://127.0.0.1:{port}/push/x")
    outcome = await push(client, vapid, sub)
    assert (outcome.status, outcome.result, outcome.retry_after_s) == (0, "retry", None)
    assert "ConnectError" in outcome.detail


async def test_timeout_is_retried(vapid: VapidKeys) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection in the kernel, never answers
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/push/x"
        sub = LocalPushService().new_subscription()._replace(endpoint=endpoint)
        async with httpx.AsyncClient(timeout=0.2) as impatient:
            outcome = await push(impatient, vapid, sub)
    assert (outcome.result, outcome.status) == ("retry", 0)
    assert "Timeout" in outcome.detail


async def test_push_service_rejects_a_foreign_vapid_key(
    push_service: LocalPushService,
    vapid: VapidKeys,
    client: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    sub = push_service.new_subscription(application_server_key=vapid.public_key_b64url)
    other = load_or_create_vapid(tmp_path / "other.pem")
    outcome = await push(client, other, sub)
    assert (outcome.status, outcome.result) == (403, "error")
    assert [r.status for r in push_service.rejections if r.subscription_id == sub.id] == [403]
    assert push_service.messages_for(sub.id) == []


async def test_push_service_rejects_an_expired_jwt(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    outcome = await push(client, vapid, sub, now=NOW - timedelta(hours=13))
    assert (outcome.status, outcome.result) == (403, "error")
    [rejection] = [r for r in push_service.rejections if r.subscription_id == sub.id]
    assert "past" in rejection.reason


def forge(claims: dict[str, object], vapid: VapidKeys, *, tamper: bool = False) -> str:
    token = sign_jwt(claims, vapid.vapid.private_key)
    if tamper:
        header, _, signature = token.split(".")
        other = {**claims, "exp": int(NOW.timestamp()) + 60}
        token = f"{header}.{b64url_encode(json.dumps(other).encode())}.{signature}"
    return f"vapid t={token}, k={vapid.public_key_b64url}"


def good_claims(push_service: LocalPushService, **changes: object) -> dict[str, object]:
    claims = {"aud": push_service.origin, "exp": int(NOW.timestamp()) + 3600, "sub": SUBJECT}
    return {k: v for k, v in {**claims, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "tamper", "encoding", "status", "reason"),
    [
        ({}, True, "aes128gcm", 403, "signature"),
        ({"aud": "http://127.0.0.1"}, False, "aes128gcm", 403, "aud"),
        ({"exp": int(NOW.timestamp()) + 25 * 3600}, False, "aes128gcm", 403, "24 h"),
        ({"sub": None}, False, "aes128gcm", 403, "sub"),
        ({}, False, "aesgcm", 415, "content-encoding"),
    ],
)
async def test_push_service_rejects_bad_requests(
    push_service: LocalPushService,
    vapid: VapidKeys,
    client: httpx.AsyncClient,
    changes: dict[str, object],
    tamper: bool,
    encoding: str,
    status: int,
    reason: str,
) -> None:
    sub = push_service.new_subscription()
    authorization = forge(good_claims(push_service, **changes), vapid, tamper=tamper)
    response = await client.post(
        sub.endpoint,
        content=encrypt_payload(info(sub), PAYLOAD),
        headers={"Authorization": authorization, "TTL": "60", "Content-Encoding": encoding},
    )
    assert response.status_code == status
    [rejection] = [r for r in push_service.rejections if r.subscription_id == sub.id]
    assert reason in rejection.reason
    assert push_service.messages_for(sub.id) == []


async def test_push_service_accepts_the_forged_helper_untampered(
    push_service: LocalPushService, vapid: VapidKeys, client: httpx.AsyncClient
) -> None:
    sub = push_service.new_subscription()
    response = await client.post(
        sub.endpoint,
        content=encrypt_payload(info(sub), PAYLOAD),
        headers={
            "Authorization": forge(good_claims(push_service), vapid),
            "TTL": "60",
            "Content-Encoding": "aes128gcm",
        },
    )
    assert response.status_code == 201
    assert push_service.messages_for(sub.id)[0].plaintext == PAYLOAD


def test_subscription_keys_are_validated() -> None:
    sub = LocalPushService().new_subscription()
    validate_subscription_keys(sub.p256dh, sub.auth)
    with pytest.raises(ValueError, match="P-256"):
        validate_subscription_keys(sub.auth, sub.auth)
    with pytest.raises(ValueError, match="16 bytes"):
        validate_subscription_keys(sub.p256dh, sub.p256dh)


def test_naive_now_is_refused(vapid: VapidKeys) -> None:
    with pytest.raises(ValueError, match="aware"):
        vapid_authorization(
            vapid, audience="https://a.example", subject=SUBJECT, now=datetime(2026, 1, 1)
        )


def test_vapid_key_is_created_once_then_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys" / "vapid.pem"
    created = load_or_create_vapid(path)
    pem = path.read_bytes()
    reloaded = load_or_create_vapid(path)
    assert reloaded.public_key_b64url == created.public_key_b64url
    assert path.read_bytes() == pem
    assert show_public_key(path) == created.public_key_b64url
    point = b64url_decode(created.public_key_b64url)
    assert (len(point), point[0]) == (65, 4)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["vapid.pem"]


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(load_or_create_vapid(path).public_key_b64url)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(keys) == {show_public_key(path)}


@pytest.mark.parametrize("content", [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_corrupt_vapid_file_raises_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vapid.pem"
    path.write_bytes(content)
    with pytest.raises(VapidKeyFileError, match="left untouched"):
        load_or_create_vapid(path)
    assert path.read_bytes() == content


def test_vapid_file_with_another_curve_raises(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    with pytest.raises(VapidKeyFileError, match="P-256"):
        load_or_create_vapid(path)
    assert path.read_bytes() == pem
