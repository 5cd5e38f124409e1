"""Two scheduler OS processes against one PostgreSQL: every reminder goes out exactly once."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar

from backend.db import fetch
from tests.api.sync_helpers import change, sync
from tests.api.test_reminders import subscribe
from tests.conftest import signup
from tests.support.push_service import LocalPushService

# serial: under parallel load one process can claim every row before the other has started.
pytestmark = [pytest.mark.postgres_only, pytest.mark.serial]


async def test_two_scheduler_processes_deliver_each_reminder_once(
    app: Litestar, client: httpx.AsyncClient, database_url: str
) -> None:
    await signup(client)
    with LocalPushService() as push_service:
        sub_id = await subscribe(client, push_service)
        at = (datetime.now(UTC) + timedelta(minutes=3)).strftime("%H:%M")
        routines = [
            change(
                str(uuid.uuid4()),
                {"kind": "checkin", "title": f"Check-in {i}", "times": [at], "tz": "UTC"},
                kind="routine",
            )
            for i in range(120)
        ]
        await sync(client, routines)
        rows = await fetch(app.state.services.engine, "SELECT MIN(due_at) AS due FROM reminder")
        now = (rows[0]["due"] + timedelta(seconds=1)).isoformat()
        key_file = str(app.state.services.settings.vapid_key_path)
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.support.scheduler_proc",
                database_url,
                key_file,
                now,
                f"proc-{n}",
                "10",
                stdout=asyncio.subprocess.PIPE,
            )
            for n in range(2)
        ]
        outputs = [json.loads((await p.communicate())[0]) for p in procs]
        assert all(p.returncode == 0 for p in procs)
        # Small claim batches make the two processes interleave rather than one take all.
        assert sum(o["claimed"] for o in outputs) == 120
        assert all(o["claimed"] > 0 for o in outputs), outputs
        messages = push_service.wait_for_messages(120, timeout=10)
        per_occurrence = Counter(m.json()["occurrence"] for m in push_service.messages_for(sub_id))
        assert len(per_occurrence) == 120
        assert set(per_occurrence.values()) == {1}
        assert len(messages) == 120
