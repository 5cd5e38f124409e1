"""The sync push refuses a logged event more than a day ahead, and only that change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.api.sync_helpers import change, sync
from tests.conftest import signup


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec="seconds")


async def test_a_check_in_dated_next_year_is_rejected_and_its_neighbours_apply(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    typo, today, visit = (str(uuid.uuid4()) for _ in range(3))
    body = await sync(
        client,
        [
            change(typo, {"at": _at(timedelta(days=365)), "mood": 4}),
            change(today, {"at": _at(timedelta(hours=-1)), "mood": 5}),
            change(visit, {"at": _at(timedelta(days=30))}, kind="appointment"),
        ],
    )
    statuses = {r["record_id"]: r for r in body["results"]}
    assert statuses[typo]["status"] == "rejected"
    assert statuses[typo]["error"]["code"] == "in-future"
    assert statuses[typo]["error"]["field"] == "at"
    assert statuses[today]["status"] == "applied"
    assert statuses[visit]["status"] == "applied"
    assert {r["id"] for r in body["records"]} == {today, visit}
