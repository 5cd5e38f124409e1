"""What a share shows, read live from the person's journal: the page, FHIR and CSV.

Every output is built from `scoped(...)` records only (backend/sharing/scope.py).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.sharing.entries_csv import entries_csv
from backend.sharing.fhir import fhir_bundle
from backend.sharing.render import render_summary
from backend.sharing.scope import Scope, scoped
from backend.sharing.summary import Summary, build_summary
from backend.sync.read import JournalRecord, collector_paused, live_records
from backend.treatment.service import person_today


async def shared_records(
    engine: Engine[Any], user_id: uuid.UUID, scope: Scope, now: datetime
) -> tuple[list[JournalRecord], date]:
    """The scoped records and the person's today (their profile's zone)."""
    records = await live_records(engine, user_id, scope.kinds_read())
    with collector_paused():  # thousands of small objects, no cycles: see live_records
        return scoped(records, scope), person_today(records, now)


async def summary_of(
    engine: Engine[Any], user_id: uuid.UUID, scope: Scope, now: datetime
) -> tuple[Summary, list[JournalRecord]]:
    records, today = await shared_records(engine, user_id, scope, now)
    with collector_paused():
        return build_summary(records, scope, today=today, as_of=now), records


async def summary_page(
    engine: Engine[Any], user_id: uuid.UUID, scope: Scope, now: datetime, base_path: str | None
) -> str:
    """The clinician's page; `base_path` None is the person's own preview (no file links)."""
    summary, _ = await summary_of(engine, user_id, scope, now)
    return render_summary(summary, base_path=base_path)


async def fhir_document(
    engine: Engine[Any], user_id: uuid.UUID, scope: Scope, now: datetime
) -> dict[str, Any]:
    summary, records = await summary_of(engine, user_id, scope, now)
    return fhir_bundle(records, summary.insights, scope=scope, as_of=now)


async def csv_document(engine: Engine[Any], user_id: uuid.UUID, scope: Scope, now: datetime) -> str:
    records, _ = await shared_records(engine, user_id, scope, now)
    return entries_csv(records)
