"""A local RFC 8030 push service for tests: verifies VAPID, decrypts aes128gcm, records."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, NamedTuple

import http_ece
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 4096
MAX_EXP_AHEAD = timedelta(hours=24)
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_URGENCIES = frozenset({"very-low", "low", "normal", "high"})


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class LocalSubscription(NamedTuple):
    """What `PushManager.subscribe` would return; unpacks as (endpoint, p256dh, auth)."""

    endpoint: str
    p256dh: str
    auth: str

    @property
    def id(self) -> str:
        return self.endpoint.rsplit("/", 1)[1]


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    subscription_id: str
    plaintext: bytes
    headers: dict[str, str]  # lower-cased names
    claims: dict[str, Any]
    received_at: datetime

    @property
    def ttl(self) -> int:
        return int(self.headers["ttl"])

    @property
    def urgency(self) -> str | None:
        return self.headers.get("urgency")

    @property
    def topic(self) -> str | None:
        return self.headers.get("topic")

    def json(self) -> Any:
        return json.loads(self.plaintext)


@dataclass(frozen=True, slots=True)
class Rejection:
    subscription_id: str
    status: int
    reason: str


@dataclass(slots=True)
class _Scripted:
    status: int
    retry_after: str | None
    remaining: int


@dataclass(frozen=True, slots=True)
class _Receiver:
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _parse_authorization(value: str) -> tuple[str, str]:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise _Refused(401, f"authorization scheme {scheme!r} is not vapid")
    params: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, param = item.strip().partition("=")
        if sep:
            params[name.strip().lower()] = param.strip()
    if "t" not in params or "k" not in params:
        raise _Refused(401, "vapid authorization lacks t= or k=")
    return params["t"], params["k"]


def verify_vapid_jwt(token: str, public_key_b64url: str) -> dict[str, Any]:
    """Check the ES256 signature (raw r||s) with the `k=` key; return the claims."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        signature = b64url_decode(signature_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(public_key_b64url)
        )
        claims = json.loads(b64url_decode(claims_b64))
    except (ValueError, binascii.Error) as exc:
        raise _Refused(401, f"malformed VAPID JWT or key: {exc}") from exc
    if header.get("alg") != "ES256" or len(signature) != 64 or not isinstance(claims, dict):
        raise _Refused(401, "VAPID JWT is not ES256 with a 64-byte signature")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise _Refused(403, "VAPID JWT signature does not match k=") from exc
    return claims


def _check_claims(claims: dict[str, Any], origin: str, now: datetime) -> None:
    if claims.get("aud") != origin:
        raise _Refused(403, f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise _Refused(403, "exp missing or not an integer")
    if exp <= now.timestamp():
        raise _Refused(403, "exp is in the past")
    if exp > (now + MAX_EXP_AHEAD).timestamp():
        raise _Refused(403, "exp is more than 24 h ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https://")):
        raise _Refused(403, "sub must be a mailto: or https: URI")


def _check_headers(headers: dict[str, str], body: bytes) -> None:
    if headers.get("content-encoding") != "aes128gcm":
        raise _Refused(415, f"content-encoding {headers.get('content-encoding')!r}")
    ttl = headers.get("ttl", "")
    if not ttl.isdigit():
        raise _Refused(400, "TTL header missing or invalid")
    if "urgency" in headers and headers["urgency"] not in _URGENCIES:
        raise _Refused(400, f"urgency {headers['urgency']!r}")
    if "topic" in headers and not _TOPIC.fullmatch(headers["topic"]):
        raise _Refused(400, "topic must be at most 32 base64url characters")
    if len(body) > MAX_BODY_BYTES:
        raise _Refused(413, f"body is {len(body)} bytes")


class LocalPushService:
    """Runs on 127.0.0.1 with a free port in a background thread; use as a context manager.

    `clock` decides whether `exp` is in the future, so tests that send with a fixed `now`
    can make the service agree with them.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Condition()
        self._receivers: dict[str, _Receiver] = {}
        self._scripted: dict[str | None, deque[_Scripted]] = {}
        self._messages: list[ReceivedMessage] = []
        self._rejections: list[Rejection] = []
        self._answers: list[tuple[str, int]] = []
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.origin = ""

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalPushService:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self._asgi, interface="asgi3", lifespan="off", log_config=None, access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="local-push", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("local push service did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LocalPushService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # test controls ------------------------------------------------------------------------

    def new_subscription(self, application_server_key: str | None = None) -> LocalSubscription:
        """A fresh receiver key pair and auth secret; with `application_server_key`, only
        messages signed by that VAPID key are accepted (as browsers bind subscriptions)."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = os.urandom(16)
        subscription_id = secrets.token_urlsafe(12)
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        with self._lock:
            self._receivers[subscription_id] = _Receiver(
                private_key, auth_secret, application_server_key
            )
        return LocalSubscription(
            f"{self.origin}/push/{subscription_id}",
            b64url_encode(point),
            b64url_encode(auth_secret),
        )

    def expire(self, subscription_id: str) -> None:
        """Forget a subscription: later pushes to it get 410 Gone."""
        with self._lock:
            self._receivers.pop(subscription_id, None)

    def respond_with(
        self,
        subscription_id: str | None,
        status: int,
        retry_after: str | int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` valid pushes (to one subscription, or any if None)
        with `status` instead of 201; they are not recorded as messages."""
        scripted = _Scripted(status, None if retry_after is None else str(retry_after), times)
        with self._lock:
            self._scripted.setdefault(subscription_id, deque()).append(scripted)

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def rejections(self) -> list[Rejection]:
        with self._lock:
            return list(self._rejections)

    @property
    def answers(self) -> list[tuple[str, int]]:
        """Every push request as (subscription id, status answered), in arrival order."""
        with self._lock:
            return list(self._answers)

    def messages_for(self, subscription_id: str) -> list[ReceivedMessage]:
        return [m for m in self.messages if m.subscription_id == subscription_id]

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages arrived; raise TimeoutError otherwise."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} push messages arrived")
            return list(self._messages)

    # request handling ---------------------------------------------------------------------

    def _take_scripted(self, subscription_id: str) -> _Scripted | None:
        for key in (subscription_id, None):
            queue = self._scripted.get(key)
            if queue:
                scripted = queue[0]
                scripted.remaining -= 1
                if scripted.remaining <= 0:
                    queue.popleft()
                return scripted
        return None

    def _accept(
        self, subscription_id: str, headers: dict[str, str], body: bytes
    ) -> ReceivedMessage:
        now = self.clock()
        with self._lock:
            receiver = self._receivers.get(subscription_id)
        if receiver is None:
            raise _Refused(410, "no such subscription")
        if "authorization" not in headers:
            raise _Refused(401, "no Authorization header")
        token, key = _parse_authorization(headers["authorization"])
        claims = verify_vapid_jwt(token, key)
        _check_claims(claims, self.origin, now)
        if receiver.application_server_key not in (None, key):
            raise _Refused(403, "k= is not the applicationServerKey of this subscription")
        _check_headers(headers, body)
        try:
            plaintext = http_ece.decrypt(
                body,
                private_key=receiver.private_key,
                auth_secret=receiver.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:  # http_ece raises assorted types on bad input
            raise _Refused(400, f"cannot decrypt aes128gcm body: {exc!r}") from exc
        return ReceivedMessage(subscription_id, bytes(plaintext), headers, claims, now)

    def _handle(
        self, subscription_id: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        try:
            message = self._accept(subscription_id, headers, body)
        except _Refused as refused:
            with self._lock:
                self._rejections.append(Rejection(subscription_id, refused.status, refused.reason))
                self._answers.append((subscription_id, refused.status))
            return refused.status, [(b"content-type", b"text/plain")], refused.reason.encode()
        with self._lock:
            scripted = self._take_scripted(subscription_id)
            if scripted is not None:
                self._answers.append((subscription_id, scripted.status))
                extra = (
                    []
                    if scripted.retry_after is None
                    else [(b"retry-after", scripted.retry_after.encode())]
                )
                return scripted.status, extra, b""
            self._messages.append(message)
            self._answers.append((subscription_id, 201))
            self._lock.notify_all()
        location = f"/message/{secrets.token_urlsafe(8)}".encode()
        return 201, [(b"location", location)], b""

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        body = bytearray()
        while True:
            event = await receive()
            body += event.get("body", b"")
            if len(body) > 4 * MAX_BODY_BYTES or not event.get("more_body", False):
                break
        headers: list[tuple[bytes, bytes]] = []
        answer = b""
        if scope["method"] != "POST" or not path.startswith("/push/"):
            status = 404
        else:
            request_headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            status, headers, answer = self._handle(
                path.removeprefix("/push/"), request_headers, bytes(body)
            )
        # An explicit length avoids chunked encoding, whose extra small write costs a 40 ms
        # delayed-ACK stall per request on loopback.
        headers.append((b"content-length", str(len(answer)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})
