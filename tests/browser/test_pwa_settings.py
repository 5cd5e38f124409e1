"""Settings: the profile saves field by field, export and import move a journal between devices
without loss or duplicates, a wrong file is refused in plain words, and the screen is accessible."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from tests.browser.pwa_support import (
    finish_checkin,
    new_username,
    open_app,
    server_records,
    sign_up,
    store,
    sync_now,
    tap_mood,
)
from tests.browser.test_pwa_a11y import TARGETS, violations

ZONE = "Europe/London"
NODE = "8f3a1c2b9d4e5f60"  # the HLC node of the device that made the file
DELETE = """async () => {
  const { openDb } = await import('/js/db.js');
  const { deleteRecord, listKind } = await import('/js/store.js');
  const db = await openDb();
  const [first] = (await listKind(db, 'checkin')).sort((a, b) => a.t - b.t);
  await deleteRecord(db, first.id);
  return first.id;
}"""


def journal(page: Page) -> dict[str, Any]:
    """Each record's kind and fields (values with their HLCs), by id: what must survive a move."""
    return {r["id"]: (r["kind"], r["fields"], r["deleted"]) for r in store(page, "records")}


def settings(page: Page, url: str) -> None:
    page.goto(url + "/#/settings")
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()


def export(page: Page, button: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def import_file(page: Page, path: Path | FilePayload) -> str:
    status = page.locator("#data-status")
    page.get_by_label("Import a Tend export (JSON)").set_input_files(path)
    expect(status).not_to_have_text(re.compile(r"^(Importing…)?$"))
    return status.inner_text()


def test_export_then_import_on_a_new_device_gives_the_same_journal_once(
    server_url: str, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    old = open_app(new_context(timezone_id=ZONE), server_url)
    for mood in (3, 6, 8):
        tap_mood(old, mood)
        finish_checkin(old)
    deleted = old.evaluate(DELETE)
    settings(old, server_url)
    old.get_by_label("Your name (optional)").fill("Sam")
    old.get_by_label("Your name (optional)").press("Enter")
    expect(old.locator("#profile-h-status")).to_have_text("Saved")
    before = journal(old)
    assert len(before) == 4 and before[deleted][2] is True

    saved = export(old, "Export everything (JSON)", tmp_path)
    assert re.fullmatch(r"tend-export-\d{4}-\d\d-\d\d\.json", saved.name)
    doc = json.loads(saved.read_text("utf-8"))
    assert (doc["format"], doc["version"], len(doc["records"])) == ("tend-export", 1, 4)
    sheet = export(old, "Export a spreadsheet (CSV)", tmp_path).read_bytes()
    assert sheet.startswith("\ufeff".encode())
    rows = sheet.decode("utf-8-sig").split("\r\n")
    # Header, the two check-ins still there and the profile; the deleted one is left out.
    assert rows[0] == "id,kind,when,summary,values" and len([r for r in rows if r]) == 4
    assert deleted not in sheet.decode("utf-8-sig")

    # A new device with its own account: what is imported must reach the server as well.
    new = open_app(new_context(timezone_id=ZONE), server_url)
    sign_up(new, new_username())
    settings(new, server_url)
    assert import_file(new, saved) == "Imported 4 entries (0 updated, 4 new, 0 unchanged)."
    assert journal(new) == before
    assert len(store(new, "outbox")) == 4
    new.goto(server_url + "/#/today")
    entries = new.locator("#entries")
    expect(entries).to_contain_text("Mood 6")
    expect(entries).to_contain_text("Mood 8")
    expect(entries).not_to_contain_text("Mood 3")

    sync_now(new)
    assert store(new, "outbox") == []
    on_server = {
        r["id"]: r["fields"]
        for k in ("checkin", "profile")
        for r in server_records(new.context, server_url, k)
    }
    assert on_server == {i: fields for i, (_, fields, _) in before.items()}

    # A newer edit on this device wins over the file; importing again changes nothing.
    settings(new, server_url)
    new.get_by_label("Your name (optional)").fill("Sam R.")
    new.get_by_label("Your name (optional)").press("Enter")
    expect(new.locator("#profile-h-status")).to_have_text("Saved")
    records, outbox = len(store(new, "records")), len(store(new, "outbox"))
    assert (
        import_file(new, saved)
        == "Nothing new in this file: all 4 entries are already on this device."
    )
    assert (len(store(new, "records")), len(store(new, "outbox"))) == (records, outbox)
    expect(new.get_by_label("Your name (optional)")).to_have_value("Sam R.")


def test_a_file_that_is_not_an_export_is_refused_in_plain_words(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    settings(page, server_url)
    for body in (b'{"records": [1, 2]}', b"id,kind\n1,checkin\n"):
        notes = FilePayload(name="notes.json", mimeType="application/json", buffer=body)
        assert import_file(page, notes) == "This file is not a Tend export."
        expect(page.locator("#data-status")).to_have_class("error")
    assert store(page, "records") == [] and store(page, "outbox") == []


def test_an_import_skips_what_it_cannot_read_and_does_not_move_the_clock_ahead(
    server_url: str, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    at = (now - timedelta(hours=1)).isoformat(timespec="seconds")

    def stamp(when: datetime) -> str:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z-0000-{NODE}"

    def checkin(n: int, mood: int, when: datetime) -> dict[str, Any]:
        fields = {"at": {"v": at, "hlc": stamp(when)}, "mood": {"v": mood, "hlc": stamp(when)}}
        return {
            "id": f"0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d{n:02x}",
            "kind": "checkin",
            "fields": fields,
        }

    # A device whose clock was a year ahead made one entry; another has a mood out of range.
    ahead = now + timedelta(days=365)
    records = [checkin(1, 7, ahead), checkin(2, 4, now - timedelta(hours=1)), checkin(3, 99, now)]
    doc = {
        "format": "tend-export",
        "version": 1,
        "exported_at": now.isoformat(),
        "records": records,
    }
    file = tmp_path / "tend-export.json"
    file.write_text(json.dumps(doc), "utf-8")

    page = open_app(new_context(timezone_id=ZONE), server_url)
    settings(page, server_url)
    assert import_file(page, file) == (
        "Imported 2 entries (0 updated, 2 new, 0 unchanged); "
        "1 entry could not be read and was skipped."
    )
    moods = {r["fields"]["mood"]["v"]: r["fields"]["mood"]["hlc"] for r in store(page, "records")}
    assert set(moods) == {7, 4}
    # The far-ahead entry is kept, stamped by this device's clock instead of next year's.
    assert moods[7] < stamp(now + timedelta(minutes=5)) and not moods[7].endswith(NODE)

    # The next edit here is stamped now, so it is not held back by the other device's clock.
    page.goto(server_url + "/#/today")
    tap_mood(page, 2)
    finish_checkin(page)
    [mine] = [r for r in store(page, "records") if r["fields"]["mood"]["v"] == 2]
    assert (
        stamp(now - timedelta(minutes=1))
        < mine["fields"]["mood"]["hlc"]
        < stamp(datetime.now(UTC) + timedelta(minutes=5))
    )


def test_the_profile_saves_each_field_and_reaches_the_server(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(timezone_id=ZONE), server_url)
    sign_up(page, new_username())
    # Quiet hours moved here from Routines, which keeps a link to them.
    page.goto(server_url + "/#/routines")
    page.get_by_role("link", name="Quiet hours and discreet reminders are in Settings").click()
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    about, quiet = page.locator("#profile-h-status"), page.locator("#quiet-h-status")

    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value(ZONE)
    zone.fill("Atlantis/Capital")
    zone.press("Enter")
    expect(about).to_have_text("“Time zone” should look like Europe/Paris.")
    expect(zone).to_have_attribute("aria-invalid", "")
    zone.fill("america/new_york")
    zone.press("Enter")
    expect(about).to_have_text("Saved")
    expect(zone).to_have_value("America/New_York")
    page.get_by_label("Your country (for the crisis lines in Get help)").select_option("CA")
    expect(about).to_have_text("Saved")
    name = page.get_by_label("Your name (optional)")
    name.fill("Ré")
    name.press("Enter")
    page.get_by_label("Quiet hours start").fill("22:00")
    expect(quiet).to_have_text("Please set both a start and an end, or clear both.")
    page.get_by_label("Quiet hours end").fill("07:00")
    expect(quiet).to_have_text("Saved")
    discreet = page.get_by_label(re.compile("^Discreet reminders"))
    expect(discreet).to_be_checked()
    discreet.uncheck()
    expect(quiet).to_have_text("Saved")

    sync_now(page)
    [profile] = server_records(page.context, server_url, "profile")
    got = {k: f["v"] for k, f in profile["fields"].items() if not k.startswith("_")}
    assert got == {
        "tz": "America/New_York",
        "country": "CA",
        "display_name": "Ré",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "discreet_notifications": False,
    }
    # Get help reads the same country.
    page.goto(server_url + "/#/help")
    expect(page.get_by_label("Your country")).to_have_value("CA")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_settings_passes_axe_and_fits_a_small_phone(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(
        new_context(color_scheme=scheme, viewport={"width": 320, "height": 640}), server_url
    )
    settings(page, server_url)
    expect(page.get_by_role("heading", name="Add Tend to your Home Screen")).to_be_visible()
    page.get_by_label("Quiet hours start").fill("22:00")
    expect(page.locator("#quiet-h-status")).to_have_class("error")
    assert violations(page) == []
    # WCAG 1.4.10: nothing scrolls sideways at 320 CSS px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    small = [t for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]
    assert small == []
