"""Which push endpoints the server will talk to: public push services only (in prod).

A push subscription's endpoint is a URL the client chooses and the server later POSTs to,
so without these rules anyone signed in could make the server connect to its own network
(cloud metadata, the database port, admin interfaces) and read the answers' shape.

In prod (TEND_ENV=prod) an endpoint must be https, name its host (no IP literal, in any of
the odd forms getaddrinfo also accepts), match TEND_PUSH_ALLOWED_HOSTS when set, and resolve
to public addresses only. The check runs when the subscription is posted and again at every
connection: the push client's sockets refuse any address that is not public, so a name that
resolves elsewhere later (DNS rebinding) still reaches nothing inside, and the address that
was checked is the one connected to. Redirects are never followed (webpush.py).

In dev the test suite's local push services on http://127.0.0.1 keep working.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohappyeyeballs import AddrInfoType

from backend.errors import InvalidInput
from backend.settings import Settings

if TYPE_CHECKING:
    from aiohttp import ClientRequest, ClientTimeout
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# One answer for every refused endpoint (an invalid one, an internal one, another person's):
# which rule refused it is nobody's business but the log's.
REFUSED_DETAIL = "This push endpoint cannot be used. Please turn reminders off and on again."
REFUSED_CODE = "invalid-endpoint"
RESOLVE_TIMEOUT_S = 5.0

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# WHATWG URL: a host whose last label is a number is an IPv4 address (127.1, 0x7f.1).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_NAT64 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


class EndpointRefused(InvalidInput):
    """A push endpoint the server will not use; always the same status, code and detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSED_DETAIL, code=REFUSED_CODE)
        self.reason = reason  # for logs and tests only


def is_public_address(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses (IPv4 inside IPv6 unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if any(ip in net for net in _NAT64):
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            return is_public_address(ip.sixtofour)
        if ip.teredo is not None:
            return False
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def _address_of(sockaddr_host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(sockaddr_host.split("%", 1)[0])
    except ValueError:
        return None


def host_matches(host: str, suffixes: Sequence[str]) -> bool:
    return not suffixes or any(host == s or host.endswith(f".{s}") for s in suffixes)


def endpoint_problem(endpoint: str, settings: Settings) -> tuple[str, int] | str:
    """The (host, port) to resolve for an endpoint prod may use, or why it may not.

    Only the form of the URL is checked here; `check_endpoint` also resolves the host.
    """
    try:
        parts = urlsplit(endpoint)
        port = parts.port or 443
    except ValueError:
        return "not a URL"
    if parts.scheme != "https":
        return "not https"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "credentials in the URL"
    raw = parts.hostname or ""
    host = raw[:-1] if raw.endswith(".") else raw
    if not host:
        return "no host"
    if _address_of(host) is not None or ":" in host:
        return "an IP address, not a name"
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return "not a public DNS name"
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return "an IP address in another form"
    if labels[-1] == "localhost":
        return "localhost"
    if not host_matches(host, settings.push_allowed_host_suffixes):
        return "not an allowed push service"
    return host, port


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (what the push client's connector would get)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
    )
    found = [_address_of(str(info[4][0])) for info in infos]
    addresses = [ip for ip in found if ip is not None]
    return addresses if len(addresses) == len(found) else []


async def check_endpoint(endpoint: str, settings: Settings) -> None:
    """Raise EndpointRefused unless the server may send pushes to `endpoint`."""
    if settings.env != "prod":
        try:
            # urlsplit raises on a broken [IPv6] host; .port on a port out of range or not
            # a number (the sender reads it for the VAPID audience).
            parts = urlsplit(endpoint)
            _ = parts.port
        except ValueError:
            raise EndpointRefused("dev: not a URL") from None
        if parts.scheme == "https" and parts.hostname:
            return
        if parts.scheme == "http" and parts.hostname in _LOOPBACK:
            return
        raise EndpointRefused("dev: https, or http on loopback")
    target = endpoint_problem(endpoint, settings)
    if isinstance(target, str):
        raise EndpointRefused(target)
    try:
        addresses = await resolve(*target)
    except (OSError, TimeoutError, UnicodeError):
        raise EndpointRefused("does not resolve") from None
    if not addresses:
        raise EndpointRefused("does not resolve")
    if not all(is_public_address(ip) for ip in addresses):
        raise EndpointRefused("resolves to a non-public address")


def public_only_socket(addr_info: AddrInfoType) -> socket.socket:
    """aiohttp's socket factory in prod: a socket only for a public address.

    Called with the exact address about to be connected to (after DNS), so no later
    resolution can swap in another one.
    """
    family, type_, proto, _, sockaddr = addr_info
    ip = _address_of(str(sockaddr[0]))
    if ip is None or not is_public_address(ip):
        raise OSError(f"refusing to connect to a non-public address ({sockaddr[0]})")
    return socket.socket(family=family, type=type_, proto=proto)


class PublicOnlyConnector(aiohttp.TCPConnector):
    """A connector that refuses URLs prod may not use before it resolves or connects."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(socket_factory=public_only_socket, **kwargs)
        self._settings = settings

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: ClientTimeout,  # noqa: ASYNC109  # aiohttp's own signature, overridden
    ) -> Connection:
        problem = endpoint_problem(str(req.url), self._settings)
        if isinstance(problem, str):
            raise aiohttp.ClientConnectionError(f"push endpoint refused: {problem}")
        return await super().connect(req, traces, timeout)
