"""Small helpers to build sync requests in tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.sync.hlc import Hlc, format_hlc, node_from_device_id

DEVICE = str(uuid.UUID("0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"))


def hlc_at(millis: int | None = None, counter: int = 0, device: str = DEVICE) -> str:
    if millis is None:
        millis = int(datetime.now(UTC).timestamp() * 1000)
    return format_hlc(Hlc(millis, counter, node_from_device_id(device)))


def change(
    record_id: str,
    fields: dict[str, Any],
    *,
    kind: str = "checkin",
    base_seq: int = 0,
    hlc: str | None = None,
    change_id: str | None = None,
) -> dict[str, Any]:
    stamp = hlc or hlc_at()
    return {
        "change_id": change_id or str(uuid.uuid4()),
        "record_id": record_id,
        "kind": kind,
        "schema_version": 1,
        "base_seq": base_seq,
        "fields": {name: {"v": value, "hlc": stamp} for name, value in fields.items()},
    }


def envelope(
    changes: list[dict[str, Any]],
    *,
    device: str = DEVICE,
    cursor: int = 0,
    epoch: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "protocol": 1,
        "device_id": device,
        "schema_version": 1,
        "epoch": epoch,
        "cursor": cursor,
        "changes": changes,
        **extra,
    }


async def sync(
    client: httpx.AsyncClient, changes: list[dict[str, Any]], **kwargs: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/sync", json=envelope(changes, **kwargs))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def push_checkin(
    client: httpx.AsyncClient, mood: int, record_id: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    rid = record_id or str(uuid.uuid4())
    fields = {"at": "2026-11-27T08:05:00+01:00", "mood": mood}
    body = await sync(client, [change(rid, fields)], **kwargs)
    assert body["results"][0]["status"] == "applied", body
    return body
