"""backend.sync.read: the one read path to a journal for every domain outside sync."""

from __future__ import annotations

import asyncio
import functools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from piccolo.engine.base import Engine

from backend.journal.kinds import Checkin, Medication, Routine
from backend.sync import read
from backend.sync.read import JournalRecord, live_records, records_by_id
from tests.api.sync_helpers import DEVICE, change, hlc_at, sync
from tests.conftest import new_client, signup

OTHER_DEVICE = "0190c3e4-7f1a-7b2c-9d3e-00000000beef"
AT = "2026-11-27T08:05:00+01:00"
ROUTINE = {"kind": "medication", "title": "Morning", "times": ["08:00"], "tz": "UTC"}


def engine_of(app: Litestar) -> Engine[Any]:
    engine: Engine[Any] = app.state.services.engine
    return engine


async def person(app: Litestar, name: str) -> tuple[httpx.AsyncClient, uuid.UUID]:
    client = await new_client(app)
    body = await signup(client, name)
    return client, uuid.UUID(body["user_id"])


async def write(
    client: httpx.AsyncClient,
    kind: str,
    values: dict[str, object],
    rid: str | None = None,
    device: str = DEVICE,
) -> uuid.UUID:
    record_id = rid or str(uuid.uuid4())
    body = await sync(client, [change(record_id, values, kind=kind)], device=device)
    assert body["results"][0]["status"] == "applied", body
    return uuid.UUID(record_id)


def ids(records: list[JournalRecord]) -> set[uuid.UUID]:
    return {r.record_id for r in records}


async def test_kinds_and_deleted_records(app: Litestar) -> None:
    client, alice = await person(app, "alice")
    checkin = await write(client, "checkin", {"at": AT, "mood": 6})
    routine = await write(client, "routine", ROUTINE)
    gone = await write(client, "checkin", {"at": AT, "mood": 2})
    await write(client, "checkin", {"_deleted": True}, str(gone))
    engine = engine_of(app)

    [found] = await live_records(engine, alice, ["checkin"])
    assert (found.record_id, found.user_id, found.kind, found.deleted) == (
        checkin,
        alice,
        "checkin",
        False,
    )
    assert found.values["mood"] == 6
    typed = found.typed(Checkin)
    assert typed is not None and typed.mood == 6 and typed.share_note is False  # a default
    assert found.typed(Routine) is None

    both = await live_records(engine, alice, {"checkin", "routine"})
    assert ids(both) == {checkin, routine}
    assert await live_records(engine, alice, []) == []
    with_deleted = await live_records(engine, alice, ["checkin"], include_deleted=True)
    assert ids(with_deleted) == {checkin, gone}
    [tombstone] = [r for r in with_deleted if r.deleted]
    assert tombstone.values["mood"] == 2 and tombstone.value is None
    with pytest.raises(TypeError):
        await live_records(engine, alice, "checkin")


async def test_since_keeps_records_changed_from_then_on(app: Litestar) -> None:
    client, alice = await person(app, "alice")
    before = await write(client, "checkin", {"at": AT, "mood": 1})
    await asyncio.sleep(0.01)
    between = datetime.now(UTC)
    await asyncio.sleep(0.01)
    after = await write(client, "checkin", {"at": AT, "mood": 2})
    engine = engine_of(app)
    assert ids(await live_records(engine, alice, ["checkin"], since=between)) == {after}
    # An edit counts as a change: the older record is back once it is edited.
    await write(client, "checkin", {"mood": 3}, str(before))
    assert ids(await live_records(engine, alice, ["checkin"], since=between)) == {before, after}
    with pytest.raises(ValueError, match="aware"):
        await live_records(engine, alice, ["checkin"], since=between.replace(tzinfo=None))


async def test_each_field_reads_as_the_merge_left_it_after_concurrent_edits(
    app: Litestar,
) -> None:
    phone, alice = await person(app, "alice")
    rid = str(uuid.uuid4())
    created = await sync(phone, [change(rid, {"at": AT, "mood": 5}, hlc=hlc_at(1_000))])
    seq = created["results"][0]["server_seq"]
    # Both devices edit having seen seq: the phone's mood is later, the laptop's arrives last
    # and also writes a note nobody else touched.
    await sync(phone, [change(rid, {"mood": 3}, base_seq=seq, hlc=hlc_at(3_000))])
    laptop = change(
        rid, {"mood": 8, "note": "tired"}, base_seq=seq, hlc=hlc_at(2_000, device=OTHER_DEVICE)
    )
    await sync(phone, [laptop], device=OTHER_DEVICE)

    [record] = await live_records(engine_of(app), alice, ["checkin"])
    assert record.values["mood"] == 3
    assert record.values["note"] == "tired"
    assert record.values["_conflict"] is True
    typed = record.typed(Checkin)
    assert typed is not None and (typed.mood, typed.note) == (3, "tired")


async def test_records_by_id_reads_many_people_at_once(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice_client, alice = await person(app, "alice")
    bob_writes = functools.partial(write, device=OTHER_DEVICE)  # a device is one person's
    bob_client, bob = await person(app, "bobby")
    a_med = await write(alice_client, "medication", {"name": "Sertraline"})
    a_routine = await write(alice_client, "routine", ROUTINE)
    # Record ids are the client's: Bob may use the id of Alice's routine for his own record.
    b_same_id = await bob_writes(bob_client, "checkin", {"at": AT, "mood": 4}, str(a_routine))
    b_med = await bob_writes(bob_client, "medication", {"name": "Lithium"})
    b_gone = await bob_writes(bob_client, "medication", {"name": "Old"})
    await bob_writes(bob_client, "medication", {"_deleted": True}, str(b_gone))
    missing = (alice, uuid.uuid4())
    keys = [(alice, a_med), (alice, a_routine), (bob, b_same_id), (bob, b_med), (bob, b_gone)]
    monkeypatch.setattr(read, "READ_CHUNK", 2)  # several chunks, each with its own people
    engine = engine_of(app)

    found = await records_by_id(engine, [*keys, missing])
    assert set(found) == set(keys) - {(bob, b_gone)}
    assert found[(alice, a_routine)].kind == "routine"
    assert found[(bob, b_same_id)].kind == "checkin"
    routine = found[(alice, a_routine)].typed(Routine)
    assert routine is not None  # decoded once, with the journal's defaults
    assert (routine.follow_up_minutes, routine.days, routine.enabled) == (30, [*range(1, 8)], True)
    names = {k: r.typed(Medication) for k, r in found.items() if r.kind == "medication"}
    assert {k: m.name for k, m in names.items() if m} == {
        (alice, a_med): "Sertraline",
        (bob, b_med): "Lithium",
    }

    meds = await records_by_id(engine, keys, kinds=("medication",), include_deleted=True)
    assert set(meds) == {(alice, a_med), (bob, b_med), (bob, b_gone)}
    assert meds[(bob, b_gone)].deleted
    assert await records_by_id(engine, []) == {}
    assert await records_by_id(engine, keys, kinds=()) == {}


async def test_a_record_that_does_not_decode_keeps_its_values_and_has_no_typed_value(
    app: Litestar,
) -> None:
    client, alice = await person(app, "alice")
    # Incomplete: the rest of a routine may arrive in a later change (or never).
    partial = await write(client, "routine", {"kind": "sleep", "title": "Bed"})
    [record] = await live_records(engine_of(app), alice, ["routine"])
    assert record.record_id == partial
    assert record.values == {"kind": "sleep", "title": "Bed"}
    assert record.value is None and record.typed(Routine) is None


def stored(kind: str, values: dict[str, Any]) -> JournalRecord:
    """A record as sync would hand it over, written under rules older than today's."""
    fields = {name: {"v": value, "hlc": hlc_at()} for name, value in values.items()}
    return read.journal_record(uuid.uuid4(), uuid.uuid4(), kind, fields, False)


def test_an_old_optional_value_today_refuses_falls_back_to_its_default_alone() -> None:
    from backend.journal.kinds import Profile
    from backend.reminders.planner import profile_of, routine_of

    # One refused field must not cost the person their quiet hours (reminders at night).
    profile = stored(
        "profile", {"display_name": "n" * 300, "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert profile.refused == ("display_name",)
    assert profile_of(profile) == Profile(quiet_start="22:00", quiet_end="07:00")
    # Nor a medication its name, in a reminder that may show it.
    medication = stored("medication", {"name": "Lithium", "role": "not-a-role"})
    assert medication.typed(Medication) == Medication(name="Lithium")
    # A routine is never scheduled on guessed days: the reminders would come when not asked.
    routine = stored("routine", {**ROUTINE, "days": [8]})
    assert routine.refused == ("days",) and routine.typed(Routine) is not None
    assert routine_of(routine) is None
    # A refused required value still leaves the record without a typed value.
    nameless = stored("medication", {"name": ""})
    assert nameless.value is None and nameless.refused == ("name",)
