"""Benchmark: 10,000 reminders due in one minute across 2,000 people, through real Web Push.

The local push service runs in a child process (so its VAPID checks and decryption do not
share the sender's GIL) and verifies and decrypts every message. Run from the repository
root: .venv/bin/python -m tests.bench.bench_reminders [sqlite|postgres]
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from backend import db
from backend.migrate import migrate
from backend.reminders.loop import push_client
from backend.reminders.sender import ReminderSender
from backend.reminders.vapid import load_or_create_vapid
from backend.reminders.webpush import PushSubscriptionInfo, encrypt_payload
from tests.support.push_service import LocalPushService

USERS = 2000
PER_USER = 5
PG_ADMIN = os.environ.get("TEND_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _serve(conn: Connection, count: int) -> None:
    with LocalPushService() as service:
        conn.send((service.origin, [tuple(service.new_subscription()) for _ in range(count)]))
        while conn.recv() != "stop":
            messages = service.messages
            conn.send(([m.received_at.timestamp() for m in messages], len(service.rejections)))


async def _seed(engine: Any, subs: list[tuple[str, str, str]], due: datetime) -> None:
    now = datetime.now(UTC)
    enc = msgspec.json.encode
    users = [uuid.uuid4() for _ in range(USERS)]
    for start in range(0, USERS, 250):
        chunk = users[start : start + 250]
        async with db.write_transaction(engine):
            await db.execute(
                engine,
                "INSERT INTO account (id, username, passphrase_hash,"
                f" recovery_hash, created_at) VALUES {db.placeholders(len(chunk), 5)}",
                *db.flatten((u, f"bench{start + i}", "x", "x", now) for i, u in enumerate(chunk)),
            )
            await db.execute(
                engine,
                "INSERT INTO push_subscription (user_id, device_id, endpoint,"
                " p256dh, auth, created_at, updated_at) VALUES"
                f" {db.placeholders(len(chunk), 7)}",
                *db.flatten(
                    (u, uuid.uuid4(), *subs[start + i], now, now) for i, u in enumerate(chunk)
                ),
            )
            records, reminders = [], []
            for user in chunk:
                for n in range(PER_USER):
                    rid = uuid.uuid4()
                    hlc = f"2026-11-27T07:00:00.000Z-0000-{n:016x}"
                    fields = {
                        "kind": {"v": "medication", "hlc": hlc},
                        "title": {"v": f"Routine {n}", "hlc": hlc},
                        "times": {"v": ["08:00"], "hlc": hlc},
                        "tz": {"v": "Europe/London", "hlc": hlc},
                    }
                    meta = {k: [1, "bench"] for k in fields}
                    records.append(
                        (
                            user,
                            rid,
                            "routine",
                            1,
                            enc(fields).decode(),
                            enc(meta).decode(),
                            n + 1,
                            False,
                        )
                    )
                    occurrence = f"{rid}@2026-11-27T08:00+00:00"
                    reminders.append(
                        (user, rid, occurrence, "main", occurrence, due, "pending", "", 0, "")
                    )
            await db.execute(
                engine,
                "INSERT INTO record (user_id, record_id, kind, schema_version,"
                " fields, field_meta, server_seq, deleted) VALUES"
                f" {db.placeholders(len(records), 8)}",
                *db.flatten(records),
            )
            await db.execute(
                engine,
                "INSERT INTO reminder (user_id, routine_id, occurrence,"
                " purpose, slot, due_at, state, claimed_by, attempts, detail) VALUES"
                f" {db.placeholders(len(reminders), 10)}",
                *db.flatten(reminders),
            )


def _raw_encryption_rate(sub: tuple[str, str, str]) -> float:
    info = PushSubscriptionInfo(*sub)
    payload = b'{"v":1,"kind":"medication","title":"Tend","body":"Time for your 8:00 routine"}'
    count = 500
    start = time.perf_counter()
    for _ in range(count):
        encrypt_payload(info, payload)
    return count / (time.perf_counter() - start)


async def run(backend_name: str = "sqlite") -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    service = multiprocessing.Process(target=_serve, args=(child, USERS), daemon=True)
    service.start()
    origin, subs = parent.recv()
    tmp = Path(tempfile.mkdtemp(prefix="tend-bench-"))
    pg_name = None
    if backend_name == "postgres":
        pg_name = f"tend_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        url = PG_ADMIN.rpartition("/")[0] + "/" + pg_name
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    engine = db.make_engine(url)
    await migrate(engine)
    await db.start(engine)
    try:
        due = datetime.now(UTC)
        await _seed(engine, subs, due)
        vapid = load_or_create_vapid(tmp / "vapid.pem")
        async with push_client() as client:
            sender = ReminderSender(engine, vapid, "mailto:bench@tend.example", client)
            wall_start = time.time()
            started = time.perf_counter()
            stats = await sender.tick(due)
            elapsed = time.perf_counter() - started
        parent.send("count")
        received, rejected = parent.recv()
    finally:
        parent.send("stop")
        await db.stop(engine)
        if pg_name:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()
    lateness = sorted(at - wall_start for at in received)
    total = USERS * PER_USER
    raw_rate = _raw_encryption_rate(subs[0])
    return {
        "database": backend_name,
        "reminders": total,
        "delivered": len(received),
        "rejected_by_push_service": rejected,
        "sent_reported": stats.sent,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(len(received) / elapsed, 1),
        "raw_encryptions_per_second": round(raw_rate, 1),
        "ratio_to_raw_encryption": round((len(received) / elapsed) / raw_rate, 3),
        "lateness_p50_s": round(statistics.median(lateness), 2) if lateness else None,
        "lateness_p99_s": round(lateness[int(len(lateness) * 0.99) - 1], 2) if lateness else None,
        "target_seconds": 20,
        "origin": origin,
    }


if __name__ == "__main__":
    import uvloop

    result = uvloop.run(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite"))
    for key, value in result.items():
        print(f"{key:28} {value}")
