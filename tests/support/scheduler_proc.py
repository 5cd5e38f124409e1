"""Run one reminder tick in its own OS process (for the multi-process delivery test)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from backend import db
from backend.reminders.loop import push_client
from backend.reminders.sender import ReminderSender
from backend.reminders.vapid import load_or_create_vapid


async def main(database_url: str, key_file: str, now_iso: str, claimer: str, batch: str) -> None:
    engine = db.make_engine(database_url)
    await db.start(engine)
    try:
        async with push_client() as client:
            sender = ReminderSender(
                engine,
                load_or_create_vapid(Path(key_file)),
                "mailto:ops@example.org",
                client,
                claimer=claimer,
                batch_size=int(batch),
            )
            stats = await sender.tick(datetime.fromisoformat(now_iso))
    finally:
        await db.stop(engine)
    print(json.dumps({"claimed": stats.claimed, "sent": stats.sent}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
