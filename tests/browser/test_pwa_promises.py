"""What the app tells a person must be true: refused changes, check-ins, conflicts, dates."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.pwa_support import (
    expect_all_synced,
    finish_checkin,
    go_to,
    new_username,
    open_app,
    open_details,
    server_records,
    sign_in,
    sign_up,
    store,
    sync_now,
    tap_mood,
    wait_for,
    wait_started,
)

# Writes a record the way an older app version did, before the rules were shared: straight to
# the store, with no check. The server refuses what it must, and the app has to say so.
WRITE_UNCHECKED = """async ({ id, kind, values }) => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const { record } = await writeRecord(await openDb(), { id, kind, values });
  return record.id;
}"""


def signed_up(new_context: Callable[..., BrowserContext], server_url: str) -> tuple[Page, str]:
    page = open_app(new_context(), server_url)
    username = new_username()
    sign_up(page, username)
    page.get_by_role("link", name="Today").click()
    return page, username


def write_unchecked(
    page: Page, kind: str, values: dict[str, Any], record_id: str | None = None
) -> str:
    rid: str = page.evaluate(WRITE_UNCHECKED, {"id": record_id, "kind": kind, "values": values})
    return rid


def now_local(page: Page, hours: float = 0) -> str:
    iso: str = page.evaluate(
        "async (h) => (await import('/js/time.js')).localIso(Date.now() + h * 3600000)", hours
    )
    return iso


def reload_today(page: Page) -> None:
    page.goto(page.url.split("#")[0] + "#/today")
    page.reload()
    wait_started(page)


def test_a_refused_entry_is_never_all_synced_and_can_be_fixed(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up(new_context, server_url)
    write_unchecked(page, "activity", {"at": now_local(page, -1), "minutes": 2.5, "kind": "walk"})
    sync_now(page)
    reload_today(page)
    status = page.locator("#sync-status")
    expect(status).to_contain_text("1 entry could not be saved to the server")
    expect(status).not_to_contain_text("All synced")
    status.get_by_role("link", name="Review").click()

    section = page.get_by_role("region", name="1 entry could not be saved to the server")
    expect(section).to_contain_text("Movement: 2.5 min walk")
    expect(section).to_contain_text("“Minutes” must be a whole number from 1 to 1,440.")
    section.get_by_role("button", name="Fix: Movement: 2.5 min walk").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".notice")).to_have_text(
        "The server could not save this entry. “Minutes” must be a whole number from 1 to 1,440."
    )
    dialog.get_by_label("Minutes", exact=True).fill("3")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    sync_now(page)
    reload_today(page)
    expect_all_synced(page)
    # The server never had the refused change: the fix sent every field of it again.
    [record] = server_records(page.context, server_url, "activity")
    assert record["fields"]["minutes"]["v"] == 3
    assert record["fields"]["kind"]["v"] == "walk"
    assert "at" in record["fields"]
    assert store(page, "dead_letter") == []


def test_discarding_a_refused_edit_puts_back_what_the_server_has(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up(new_context, server_url)
    rid = write_unchecked(page, "sleep", {"night_of": now_local(page, -24)[:10], "awakenings": 2})
    sync_now(page)
    write_unchecked(page, "sleep", {"awakenings": 2.7}, record_id=rid)
    never = write_unchecked(page, "activity", {"at": now_local(page, -1), "minutes": 0})
    sync_now(page)
    page.goto(server_url + "/#/account")
    expect(
        page.get_by_role("region", name="2 entries could not be saved to the server")
    ).to_be_visible()
    section = page.get_by_role("region", name=re.compile("could not be saved to the server"))
    expect(section.locator("li")).to_have_count(2)
    expect(section).to_contain_text("“Times you woke up” must be a whole number from 0 to 100.")
    for _ in range(2):
        section.get_by_role("button", name=re.compile("^Discard my change")).first.click()
        page.locator("dialog[open]").get_by_role("button", name="Discard my change").click()
        expect(page.locator("#snackbar")).to_contain_text("Change discarded")
    expect(page.get_by_role("region", name=re.compile("could not be saved"))).to_have_count(0)
    records = {r["id"]: r for r in store(page, "records")}
    assert records[rid]["fields"]["awakenings"]["v"] == 2
    assert never not in records
    reload_today(page)
    expect_all_synced(page)


def test_pending_counts_entries_not_field_changes(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up(new_context, server_url)
    page.context.set_offline(True)
    tap_mood(page, 4)
    open_details(page)
    details = page.locator("#details")
    details.get_by_role("group", name="Energy").get_by_role("radio", name="6").check()
    details.get_by_label("Note (optional)").fill("slow morning")
    finish_checkin(page)
    expect(page.locator("#sync-status")).to_have_text(
        "Offline — saved on this device — 1 entry not yet synced"
    )
    assert len(store(page, "outbox")) >= 3


def test_a_mood_tap_long_after_the_last_starts_a_new_check_in(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(server_url + "/")
    wait_started(page)
    tap_mood(page, 3)
    page.clock.fast_forward("09:00:00")
    tap_mood(page, 7)
    page.clock.fast_forward("00:10:00")
    tap_mood(page, 8)  # ten minutes later: a correction of the 7, not a new moment
    checkins = [r for r in store(page, "records") if r["kind"] == "checkin"]
    moods = sorted(r["fields"]["mood"]["v"] for r in checkins)
    assert moods == [3, 8]


def test_an_entry_moved_to_yesterday_is_found_from_today(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.locator("button[data-form=activity]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Minutes", exact=True).fill("20")
    yesterday = now_local(page, -24)[:16]
    dialog.get_by_label("When").fill(yesterday)
    dialog.get_by_role("button", name="Save").click()
    snackbar = page.locator("#snackbar")
    expect(snackbar).to_contain_text(f"Saved on {yesterday[:10]}")
    expect(page.locator("#entries")).to_contain_text("Nothing logged yet today.")
    page.get_by_role("link", name="Earlier days").click()
    expect(page.locator("#entries")).to_contain_text("Movement: 20 min")
    expect(page).to_have_title(re.compile(r"· Tend$"))
    # Editable from there, like on Today.
    page.get_by_role("button", name="Edit: Movement: 20 min").click()
    expect(page.locator("dialog[open]")).to_be_visible()


def test_an_event_dated_far_ahead_is_refused_in_plain_words(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.locator("button[data-form=meal]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("When").fill(now_local(page, 24 * 40)[:16])
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "“When” is more than a day in the future. Please check the date."
    )
    assert [r for r in store(page, "records") if r["kind"] == "intake"] == []


def test_sleep_across_midnight_and_a_long_night_asks_first(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.locator("button[data-form=sleep]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Went to bed (optional)", exact=True).fill("14:00")
    dialog.get_by_label("Woke up (optional)", exact=True).fill("09:00")
    dialog.get_by_role("button", name="Save").click()
    confirm = page.get_by_role("dialog", name="A long night?")
    expect(confirm).to_contain_text("19 hours")
    confirm.get_by_role("button", name="Change the times").click()
    expect(confirm).to_be_hidden()
    dialog.get_by_label("Went to bed (optional)", exact=True).fill("23:30")
    dialog.get_by_label("Woke up (optional)", exact=True).fill("07:00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    [sleep] = [r for r in store(page, "records") if r["kind"] == "sleep"]
    bed, wake = sleep["fields"]["bed_at"]["v"], sleep["fields"]["wake_at"]["v"]
    assert bed < wake and bed[11:16] == "23:30" and wake[11:16] == "07:00"


def test_the_sync_screen_takes_focus_and_its_title(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    go_to(page, "Sync")
    expect(page).to_have_title("Turn on sync · Tend")
    expect(page.get_by_role("heading", level=1)).to_be_focused()


def test_sync_now_in_the_sign_out_dialog_says_it_failed_offline(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up(new_context, server_url)
    page.context.set_offline(True)
    tap_mood(page, 5)
    go_to(page, "Sync")
    page.get_by_role("button", name="Sign out").click()
    page.locator("dialog[open]").get_by_role("button", name="Sync now").click()
    dialog = page.get_by_role("dialog", name="Sign out?")
    expect(dialog).to_contain_text("Could not sync: this device is offline.")
    expect(dialog).to_contain_text("1 entry is not yet synced")


def test_the_status_line_is_not_rewritten_with_the_same_words(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up(new_context, server_url)
    expect_all_synced(page)
    # Every rewrite of the live region is read out again by a screen reader: record each one.
    page.evaluate("""() => {
      const el = document.getElementById('sync-status');
      globalThis.__statusTexts = [el.textContent];
      new MutationObserver(() => { globalThis.__statusTexts.push(el.textContent); })
        .observe(el, { childList: true, characterData: true, subtree: true });
    }""")
    syncs: list[str] = []
    page.on(
        "requestfinished", lambda r: syncs.append(r.url) if r.url.endswith("/api/v1/sync") else None
    )
    # What the minute timer does while the app is open: a sync that finds nothing new.
    for n in range(1, 4):
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        wait_for(page, lambda n=n: len(syncs) >= n, "a sync")
    page.wait_for_timeout(300)
    expect_all_synced(page)
    texts = page.evaluate("() => globalThis.__statusTexts")
    repeats = [(a, b) for a, b in itertools.pairwise(texts) if a == b]
    assert repeats == [], texts


def test_both_versions_of_an_entry_changed_on_two_devices_can_be_kept(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    a, username = signed_up(new_context, server_url)
    tap_mood(a, 5)
    finish_checkin(a)
    sync_now(a)
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)
    b.get_by_role("link", name="Today").click()
    for page, mood in ((a, "3"), (b, "8")):
        page.context.set_offline(True)
        page.get_by_role("button", name=re.compile("^Edit: Mood")).click()
        dialog = page.locator("dialog[open]")
        dialog.get_by_role("group", name="Mood", exact=True).get_by_role("radio", name=mood).check()
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        page.context.set_offline(False)
        sync_now(page)
    sync_now(a)
    reload_today(a)
    flag = a.locator("#entries .flag")
    expect(flag).to_have_text("Changed on two devices")
    # Compared offline: the versions were kept on the device when the sync flagged them.
    a.context.set_offline(True)
    a.get_by_role("button", name=re.compile("^Compare versions")).click()
    compare = a.get_by_role("dialog", name="Changed on two devices")
    row = compare.get_by_role("row", name=re.compile("^Mood"))
    expect(row).to_contain_text("8")
    expect(row).to_contain_text("3")
    compare.get_by_role("button", name="Keep version B").click()
    expect(flag).to_have_count(0)
    a.context.set_offline(False)
    sync_now(a)
    sync_now(b)
    [record] = server_records(a.context, server_url, "checkin")
    assert record["fields"]["mood"]["v"] == 3
    assert record["fields"]["_conflict"]["v"] is False
