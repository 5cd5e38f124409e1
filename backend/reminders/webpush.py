"""Web Push sending: RFC 8291 encryption, RFC 8292 VAPID, RFC 8030 delivery over httpx."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
import httpx
import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import VapidException
from pywebpush import WebPusher

from backend.reminders.vapid import VapidKeys

log = logging.getLogger(__name__)

# A push service must take a body of 4096 bytes (RFC 8030): aes128gcm (RFC 8291) in one record
# spends 86 bytes on the header, 1 on the padding delimiter and 16 on the tag, so the
# plaintext can be 3993 bytes. The one limit for every payload (see payload.py).
MAX_BODY_BYTES = 4096
MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - 86 - 1 - 16
# Push services refuse exp more than 24 h ahead; 12 h minus a margin absorbs clock skew.
JWT_LIFETIME = timedelta(hours=12) - timedelta(minutes=5)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ERROR_BODY_CHARS = 300

Urgency = Literal["very-low", "low", "normal", "high"]
PushResult = Literal["sent", "gone", "retry", "error"]


class PushSubscriptionInfo(msgspec.Struct, frozen=True):
    endpoint: str
    p256dh: str
    auth: str


class PushOutcome(msgspec.Struct, frozen=True):
    status: int  # 0 when no HTTP response arrived
    result: PushResult
    retry_after_s: float | None
    detail: str


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def validate_subscription_keys(p256dh: str, auth: str) -> None:
    """Raise ValueError unless `p256dh` is a P-256 point and `auth` a 16-byte secret."""
    try:
        point = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("subscription keys are not base64url") from exc
    if len(point) != 65 or point[0] != 4:
        raise ValueError("p256dh is not an uncompressed P-256 point")
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # raises ValueError
    if len(secret) != 16:
        raise ValueError("auth secret must be 16 bytes")


def encrypt_payload(sub: PushSubscriptionInfo, payload: bytes) -> bytes:
    """Encrypt `payload` for `sub` (aes128gcm); CPU-bound, so callers may run it in a thread."""
    if not payload:
        raise ValueError("push payload is empty")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"push payload is {len(payload)} bytes, over {MAX_PAYLOAD_BYTES}")
    validate_subscription_keys(sub.p256dh, sub.auth)
    pusher = WebPusher({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}})
    body: bytes = pusher.encode(payload, content_encoding="aes128gcm")["body"]
    return body


def audience_of(endpoint: str) -> str:
    """The VAPID `aud`: the endpoint's origin, keeping any non-default port."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("push endpoint must be an absolute http(s) URL")
    host = parts.hostname  # lower-cased by urlsplit
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def vapid_authorization(vapid: VapidKeys, *, audience: str, subject: str, now: datetime) -> str:
    """An `Authorization: vapid t=..., k=...` value from claims built fresh for this call."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    claims = {"aud": audience, "exp": int((now + JWT_LIFETIME).timestamp()), "sub": subject}
    try:
        # Vapid02.sign deep-copies the claims and keeps no state between calls.
        headers: dict[str, str] = vapid.vapid.sign(claims)
    except VapidException as exc:
        raise ValueError(f"cannot sign VAPID claims: {exc}") from exc
    return headers["Authorization"]


def topic_header(topic: str) -> str:
    """A stable Topic value: 32 base64url characters, as RFC 8030 requires."""
    digest = hashlib.sha256(topic.encode("utf-8")).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP-date; None if absent/invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.utcoffset() is None:
        return None
    return max(0.0, (when - now).total_seconds())


def classify_response(
    status: int, retry_after: str | None, body_text: str, now: datetime
) -> PushOutcome:
    """Map a push service answer onto what the scheduler must do next (any HTTP client)."""
    if 200 <= status < 300:
        return PushOutcome(status=status, result="sent", retry_after_s=None, detail="")
    if status in (404, 410):
        return PushOutcome(status=status, result="gone", retry_after_s=None, detail="expired")
    if status == 429 or status >= 500:
        delay = parse_retry_after(retry_after, now)
        return PushOutcome(status=status, result="retry", retry_after_s=delay, detail="")
    if status == 413:
        detail = f"payload too large for the push service (over {MAX_PAYLOAD_BYTES} bytes): a bug"
    else:
        detail = f"push service refused the message: {body_text[:_ERROR_BODY_CHARS]}"
    return PushOutcome(status=status, result="error", retry_after_s=None, detail=detail)


def push_headers(
    vapid: VapidKeys,
    endpoint: str,
    *,
    subject: str,
    ttl: int,
    urgency: Urgency,
    topic: str | None,
    now: datetime,
) -> dict[str, str]:
    """RFC 8030/8292 request headers for one push, with freshly signed VAPID claims."""
    if ttl < 0:
        raise ValueError("ttl must be >= 0")
    token = vapid_authorization(vapid, audience=audience_of(endpoint), subject=subject, now=now)
    headers = {
        "Authorization": token,
        "TTL": str(ttl),
        "Urgency": urgency,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    if topic is not None:
        headers["Topic"] = topic_header(topic)
    return headers


PushClient = httpx.AsyncClient | aiohttp.ClientSession


async def _post(
    client: PushClient, endpoint: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str | None, str]:
    # Never follow a redirect: the checked endpoint is the only place a push may go (a 307
    # to an internal http URL would otherwise carry the request inside). A 3xx is an error.
    if isinstance(client, aiohttp.ClientSession):
        async with client.post(
            endpoint, data=body, headers=headers, allow_redirects=False
        ) as response:
            return response.status, response.headers.get("retry-after"), await response.text()
    answer = await client.post(endpoint, content=body, headers=headers, follow_redirects=False)
    return answer.status_code, answer.headers.get("retry-after"), answer.text


async def send_encrypted(
    client: PushClient,
    endpoint: str,
    body: bytes,
    *,
    vapid: VapidKeys,
    subject: str,
    ttl: int,
    urgency: Urgency,
    topic: str | None,
    now: datetime,
) -> PushOutcome:
    """POST an already encrypted body (see `encrypt_payload`) to the subscription endpoint.

    The app sends with aiohttp (the push benchmark measured it 2-3x faster than httpx for
    many small POSTs); httpx clients are accepted too.
    """
    headers = push_headers(
        vapid, endpoint, subject=subject, ttl=ttl, urgency=urgency, topic=topic, now=now
    )
    try:
        status, retry_after, text = await _post(client, endpoint, body, headers)
    except (httpx.HTTPError, aiohttp.ClientError, TimeoutError) as exc:
        return PushOutcome(
            status=0, result="retry", retry_after_s=None, detail=f"{type(exc).__name__}: {exc}"
        )
    outcome = classify_response(status, retry_after, text, now)
    if outcome.result == "error":
        # The endpoint path is a bearer capability, so only the host goes to the log.
        log.error(
            "web push to %s failed: %s %s",
            urlsplit(endpoint).hostname,
            outcome.status,
            outcome.detail,
        )
    return outcome


async def send_push(
    client: PushClient,
    sub: PushSubscriptionInfo,
    payload: bytes,
    *,
    vapid: VapidKeys,
    subject: str,
    ttl: int,
    urgency: Urgency,
    topic: str | None,
    now: datetime,
) -> PushOutcome:
    """Encrypt `payload` for `sub` and deliver it; raises ValueError for caller bugs only."""
    body = encrypt_payload(sub, payload)
    return await send_encrypted(
        client,
        sub.endpoint,
        body,
        vapid=vapid,
        subject=subject,
        ttl=ttl,
        urgency=urgency,
        topic=topic,
        now=now,
    )
