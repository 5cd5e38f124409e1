"""The device store: one tap saves a check-in durably, with its outbox change and clock."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.pwa_support import finish_checkin, open_app, open_details, store, tap_mood

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OFFSET_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_one_tap_saves_a_checkin_with_its_outbox_change_and_clock(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    tap_mood(page, 6)

    [record] = store(page, "records")
    [change] = store(page, "outbox")
    meta = store(page, "meta")
    assert record["kind"] == "checkin"
    assert UUID7.match(record["id"])
    assert UUID7.match(change["change_id"])
    assert record["fields"]["mood"]["v"] == 6
    assert OFFSET_TIME.match(record["fields"]["at"]["v"])
    # A create sends all its fields in one change, based on nothing the server has.
    assert change["record_id"] == record["id"]
    assert change["base_seq"] == 0
    assert set(change["fields"]) == {"at", "mood", "_created_at"}
    assert change["fields"] == record["fields"]
    # The clock that stamped the change was saved in the same transaction.
    hlc = change["fields"]["mood"]["hlc"]
    assert hlc.endswith(meta["hlc"]["node"])
    assert meta["device_id"].replace("-", "")[-16:] == meta["hlc"]["node"]

    # Survives a reload: it was durably stored, not just shown.
    page.reload()
    expect(page.locator("#entries")).to_contain_text("Mood 6")


def test_done_straight_after_typing_a_note_keeps_two_checkins_apart(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    for rounds in range(1, 4):
        tap_mood(page, 5)
        open_details(page)
        # "Done" while the note's save is still being written: the next mood is a new
        # check-in, and the note stays on the one it was typed into.
        page.get_by_label("Note (optional)").fill("the first one")
        finish_checkin(page)
        tap_mood(page, 7)
        finish_checkin(page)
        expect(page.get_by_text("Check-in saved")).to_be_visible()

        entries = [{k: f["v"] for k, f in r["fields"].items()} for r in store(page, "records")]
        assert sorted((e["mood"], e.get("note")) for e in entries) == sorted(
            [(5, "the first one"), (7, None)] * rounds
        )
        assert all(e.get("at") for e in entries)


def test_details_edit_the_same_checkin_and_send_only_what_changed(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    tap_mood(page, 4)
    open_details(page)
    page.get_by_role("group", name="Anxiety").get_by_role("radio", name="7").check()
    page.get_by_role("button", name="Poor sleep").click()
    page.get_by_label("Note (optional)").fill("Woke at 4 again")
    page.get_by_label("Note (optional)").blur()
    tap_mood(page, 5)
    expect(page.locator("#entries")).to_contain_text("Mood 5 · anxiety 7 · Poor sleep")

    records = store(page, "records")
    changes = store(page, "outbox")
    assert len(records) == 1
    values = {k: f["v"] for k, f in records[0]["fields"].items()}
    assert values["mood"] == 5
    assert values["anxiety"] == 7
    assert values["tags"] == ["Poor sleep"]
    assert values["note"] == "Woke at 4 again"
    assert [set(c["fields"]) for c in changes[1:]] == [{"anxiety"}, {"tags"}, {"note"}, {"mood"}]
    assert all(c["record_id"] == records[0]["id"] for c in changes)
    hlcs = [c["fields"][next(iter(c["fields"]))]["hlc"] for c in changes]
    assert hlcs == sorted(hlcs)
    assert len(set(hlcs)) == len(hlcs)

    finish_checkin(page)
    tap_mood(page, 3)
    assert len(store(page, "records")) == 2


def test_delete_then_undo_keeps_the_values_and_sends_newer_tombstones(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    tap_mood(page, 2)
    finish_checkin(page)
    entries = page.locator("#entries")
    entries.get_by_role("button", name=re.compile("^Delete")).click()
    expect(entries).to_contain_text("Nothing logged yet today.")
    page.get_by_role("button", name="Undo").click()
    expect(entries).to_contain_text("Mood 2")

    deleted, restored = store(page, "outbox")[1:]
    assert deleted["fields"]["_deleted"]["v"] is True
    assert restored["fields"]["_deleted"]["v"] is False
    assert restored["fields"]["_deleted"]["hlc"] > deleted["fields"]["_deleted"]["hlc"]
    [record] = store(page, "records")
    assert record["deleted"] is False
    assert record["fields"]["mood"]["v"] == 2


def test_quick_logs_save_records_of_the_right_kind(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    # A dose with no medication yet offers to add one first.
    page.get_by_role("button", name="Dose taken").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Add a medication")
    dialog.get_by_label("Name").fill("Sertraline")
    dialog.get_by_label("Dose (optional)").fill("100")
    dialog.get_by_label("Unit (optional)").fill("mg")
    dialog.get_by_role("button", name="Save").click()
    dialog = page.get_by_role("dialog", name="Dose", exact=True)
    expect(dialog.get_by_label("Amount (optional)")).to_have_value("100")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#entries")).to_contain_text("Dose taken: Sertraline 100 mg")

    page.get_by_role("button", name="Movement").click()
    page.get_by_role("dialog").get_by_role("button", name="20 minutes").click()
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Alcohol").click()
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Side effect").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("What did you notice?")
    dialog.get_by_label("What did you notice?").fill("nausea")
    dialog.get_by_role("radio", name="1 mild").check()
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#entries")).to_contain_text("Side effect: nausea (mild)")

    kinds = sorted(r["kind"] for r in store(page, "records"))
    assert kinds == ["activity", "dose", "effect", "intake", "medication"]
    dose = next(r for r in store(page, "records") if r["kind"] == "dose")
    med = next(r for r in store(page, "records") if r["kind"] == "medication")
    assert dose["fields"]["medication_id"]["v"] == med["id"]
    assert dose["fields"]["status"]["v"] == "taken"


def test_each_mood_tap_is_saved_as_its_own_checkin(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # How fast a tap is saved is measured by `make bench` (tests/bench/bench_pwa.py).
    page = open_app(new_context(), server_url)
    moods = (3, 5, 7)
    for mood in moods:
        tap_mood(page, mood)
        assert int(page.get_attribute("#mood-saved", "data-save-ms") or "-1") >= 0
        finish_checkin(page)
    saved = sorted(r["fields"]["mood"]["v"] for r in store(page, "records"))
    assert saved == sorted(moods)


def test_a_double_tap_on_save_logs_the_entry_once(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.get_by_role("button", name="Meal").click()
    dialog = page.get_by_role("dialog", name="Meal")
    dialog.get_by_role("button", name="Save").dblclick()
    expect(dialog).to_be_hidden()
    expect(page.locator("#entries li")).to_have_count(1)
    assert [r["fields"]["kind"]["v"] for r in store(page, "records")] == ["meal"]
