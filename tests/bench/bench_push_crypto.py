"""Micro-benchmark: push encryption, VAPID signing, and full sends via httpx (and aiohttp).

Run from the repository root: .venv/bin/python -m tests.bench.bench_push_crypto
The local push service runs in a child process so its decryption does not share our GIL.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from backend.reminders.vapid import VapidKeys, load_or_create_vapid
from backend.reminders.webpush import (
    PushSubscriptionInfo,
    classify_response,
    encrypt_payload,
    push_headers,
    send_push,
    vapid_authorization,
)
from tests.support.push_service import LocalPushService

Bench = Callable[
    [list[PushSubscriptionInfo], VapidKeys, int], Coroutine[Any, Any, tuple[float, int]]
]
SUBJECT = "mailto:bench@tend.example"
PAYLOAD = (
    b'{"v":1,"kind":"medication","title":"Time for your 8:00 routine",'
    + b'"body":"'
    + (b"x" * 120)
    + b'"}'
)
MESSAGES = 500
CONCURRENCY_LEVELS = (1, 10, 50)
SUBSCRIPTIONS = 50


def _serve(conn: Connection) -> None:
    with LocalPushService() as service:
        subs = [tuple(service.new_subscription()) for _ in range(SUBSCRIPTIONS)]
        conn.send((service.origin, subs))
        while (command := conn.recv()) != "stop":
            assert command == "count"
            conn.send((len(service.messages), len(service.rejections)))


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:9.0f}/s  ({seconds * 1e3 / count:.3f} ms each)"


def bench_cpu(sub: PushSubscriptionInfo, vapid: VapidKeys) -> None:
    rounds = 2000
    encrypt_payload(sub, PAYLOAD)
    start = time.perf_counter()
    for _ in range(rounds):
        encrypt_payload(sub, PAYLOAD)
    label = f"encrypt_payload ({len(PAYLOAD)} B)"
    print(f"{label:<42} {_rate(rounds, time.perf_counter() - start)}")
    now = datetime.now(UTC)
    start = time.perf_counter()
    for _ in range(rounds):
        vapid_authorization(vapid, audience="https://push.example", subject=SUBJECT, now=now)
    print(f"{'vapid_authorization (ES256 JWT)':<38} {_rate(rounds, time.perf_counter() - start)}")


async def _run_workers(
    send_one: Callable[[int], Awaitable[bool]], concurrency: int
) -> tuple[float, int]:
    next_index = iter(range(MESSAGES))
    sent = 0

    async def worker() -> None:
        nonlocal sent
        for index in next_index:
            delivered = await send_one(index)  # add after the await: no lost updates
            sent += delivered

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return time.perf_counter() - start, sent


async def bench_httpx(
    subs: list[PushSubscriptionInfo],
    vapid: VapidKeys,
    concurrency: int,
    pool_size: int | None = None,
) -> tuple[float, int]:
    pool = concurrency if pool_size is None else pool_size
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def send_one(index: int) -> bool:
            outcome = await send_push(
                client,
                subs[index % len(subs)],
                PAYLOAD,
                vapid=vapid,
                subject=SUBJECT,
                ttl=3600,
                urgency="high",
                topic=f"bench-{index}",
                now=datetime.now(UTC),
            )
            return outcome.result == "sent"

        return await _run_workers(send_one, concurrency)


async def bench_aiohttp(
    subs: list[PushSubscriptionInfo], vapid: VapidKeys, concurrency: int
) -> tuple[float, int]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send_one(index: int) -> bool:
            sub = subs[index % len(subs)]
            now = datetime.now(UTC)
            headers = push_headers(
                vapid,
                sub.endpoint,
                subject=SUBJECT,
                ttl=3600,
                urgency="high",
                topic=f"bench-{index}",
                now=now,
            )
            body = encrypt_payload(sub, PAYLOAD)
            async with session.post(sub.endpoint, data=body, headers=headers) as response:
                text = await response.text()
                retry_after = response.headers.get("retry-after")
            return classify_response(response.status, retry_after, text, now).result == "sent"

        return await _run_workers(send_one, concurrency)


def main() -> None:
    vapid = load_or_create_vapid(Path(tempfile.mkdtemp()) / "vapid.pem")
    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,))
    server.start()
    try:
        origin, raw_subs = parent.recv()
        subs = [PushSubscriptionInfo(*raw) for raw in raw_subs]
        print(f"local push service {origin} (separate process); {MESSAGES} messages per run")
        bench_cpu(subs[0], vapid)
        clients: list[tuple[str, Bench]] = [
            ("httpx", bench_httpx),
            # httpcore's pool slows down with many connections; fewer, busier ones help.
            ("httpx pool=10", functools.partial(bench_httpx, pool_size=10)),
            ("aiohttp", bench_aiohttp),
        ]
        expected = 0
        for concurrency in CONCURRENCY_LEVELS:
            for name, bench in clients * 2:  # the second pass of each client is warmed up
                seconds, sent = asyncio.run(bench(subs, vapid, concurrency))
                expected += MESSAGES
                label = f"send loop, {name}, concurrency {concurrency}"
                print(f"{label:<42} {_rate(MESSAGES, seconds)}  sent={sent}")
        parent.send("count")
        received, rejected = parent.recv()
        print(f"push service received {received}/{expected} messages, rejected {rejected}")
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
