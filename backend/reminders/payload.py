"""What a reminder says: the push payload, discreet by default (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import msgspec

from backend.reminders.purpose import FOLLOW_UP, TEST
from backend.reminders.webpush import MAX_PAYLOAD_BYTES

_TITLES = {
    "medication": "Medication",
    "sleep": "Sleep routine",
    "movement": "A little movement",
    "checkin": "Check-in",
    "custom": "Reminder",
}


class ReminderContext(msgspec.Struct, frozen=True):
    """What the sender knows when it builds a payload."""

    purpose: str  # backend.reminders.purpose: MAIN, FOLLOW_UP, SNOOZE or TEST
    occurrence: str
    routine_id: str | None
    routine_kind: str
    routine_title: str
    local_time: str  # "8:00", the person's own wall time for this occurrence
    discreet: bool
    medication_id: str | None = None
    medication_name: str | None = None


def local_time_of(occurrence: str) -> str:
    """ "<routine>@2026-11-27T08:00+01:00" -> "8:00" (the wall time the person chose)."""
    try:
        stamp = occurrence.rsplit("@", 1)[1]
        moment = datetime.fromisoformat(stamp)
    except (IndexError, ValueError):
        return ""
    return f"{moment.hour}:{moment.minute:02d}"


def _actions(kind: str) -> list[dict[str, str]]:
    if kind == "medication":
        return [
            {"action": "taken", "title": "Taken"},
            {"action": "snooze", "title": "Snooze 15 min"},
        ]
    return [{"action": "done", "title": "Done"}, {"action": "snooze", "title": "Snooze"}]


def _url(ctx: ReminderContext) -> str:
    query: dict[str, str] = {"occurrence": ctx.occurrence}
    if ctx.routine_id:
        query["routine"] = ctx.routine_id
    if ctx.routine_kind == "medication" and ctx.medication_id:
        query["medication"] = ctx.medication_id
    screen = {
        "medication": "dose",
        "sleep": "sleep",
        "movement": "activity",
        "checkin": "checkin",
    }.get(ctx.routine_kind, "today")
    return f"/#/log/{screen}?{urlencode(query)}"


def build_payload(ctx: ReminderContext) -> dict[str, Any]:
    """The JSON the service worker receives. In discreet mode nothing names a drug.

    Discreet text is the same for every routine kind ("Time for your 8:00 routine"): even
    "Medication" on a lock screen says more than the person chose to share.
    """
    if ctx.purpose == TEST:
        return {
            "v": 1,
            "kind": "test",
            "title": "Tend",
            "body": "Reminders work on this device.",
            "routine_id": None,
            "occurrence": ctx.occurrence,
            "actions": [],
            "url": "/#/today",
        }
    when = f"your {ctx.local_time} routine" if ctx.local_time else "your routine"
    if ctx.discreet:
        title = "Tend"
        body = f"Time for {when}"
    else:
        title = ctx.routine_title or _TITLES.get(ctx.routine_kind, "Reminder")
        if ctx.routine_kind == "medication" and ctx.medication_name:
            body = f"Time for {ctx.medication_name} ({ctx.local_time})"
        else:
            body = f"Time for {when}"
    if ctx.purpose == FOLLOW_UP:
        body = "Still to do: " + body[0].lower() + body[1:]
    return {
        "v": 1,
        "kind": ctx.routine_kind,
        "title": title,
        "body": body,
        "routine_id": ctx.routine_id,
        "occurrence": ctx.occurrence,
        "actions": _actions(ctx.routine_kind),
        "url": _url(ctx),
    }


def encode_payload(payload: dict[str, Any]) -> bytes:
    data = msgspec.json.encode(payload)
    if len(data) > MAX_PAYLOAD_BYTES:
        # Only titles and names vary in size; drop them rather than fail to remind.
        trimmed = {**payload, "title": "Tend", "body": "Time for your routine"}
        data = msgspec.json.encode(trimmed)
    return data
