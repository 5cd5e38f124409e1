"""Sync in the browser: two devices converge, nothing is lost on errors or a closed tab."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.pwa_support import (
    Blackhole,
    expect_all_synced,
    finish_checkin,
    fire_background_sync,
    hold_sync_lock,
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
from tests.support.live_server import LiveServer

WRITE_MANY = """async ({n, mood}) => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const db = await openDb();
  for (let i = 0; i < n; i++) {
    await writeRecord(db, { kind: 'checkin', values: { at: new Date().toISOString(), mood } });
  }
}"""


def values(page: Page) -> dict[str, dict[str, Any]]:
    """Each record's plain values on one device, by id."""
    return {r["id"]: {k: f["v"] for k, f in r["fields"].items()} for r in store(page, "records")}


def signed_up_device(new_context: Callable[..., BrowserContext], url: str) -> tuple[Page, str]:
    page = open_app(new_context(), url)
    username = new_username()
    sign_up(page, username)
    expect_all_synced(page)
    return page, username


def edit_first_entry(page: Page) -> Any:
    page.get_by_role("link", name="Today").click()
    page.locator("#entries").get_by_role("button", name="Edit: Mood").first.click()
    return page.get_by_role("dialog")


def test_local_entries_upload_on_sign_up_and_reach_a_second_device(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    a = open_app(new_context(), server_url)
    tap_mood(a, 6)
    finish_checkin(a)
    tap_mood(a, 2)
    finish_checkin(a)
    expect(a.locator("#sync-status")).to_have_text("Saved on this device only")
    username = new_username()
    sign_up(a, username)
    expect_all_synced(a)
    assert store(a, "outbox") == []

    b = open_app(new_context(), server_url)
    sign_in(b, username)
    b.get_by_role("link", name="Today").click()
    expect(b.locator("#entries")).to_contain_text("Mood 6")
    expect(b.locator("#entries")).to_contain_text("Mood 2")
    assert values(b) == values(a)


def test_offline_edits_on_two_devices_merge_field_by_field(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    a, username = signed_up_device(new_context, server_url)
    a.get_by_role("link", name="Today").click()
    tap_mood(a, 6)
    finish_checkin(a)
    sync_now(a)
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)

    a.context.set_offline(True)
    b.context.set_offline(True)
    dialog = edit_first_entry(a)
    dialog.get_by_role("group", name="Mood", exact=True).get_by_role("radio", name="3").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(a.locator("#sync-status")).to_contain_text("Offline — saved on this device")
    dialog = edit_first_entry(b)
    dialog.get_by_label("Note (optional)").fill("written on the tablet")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    a.context.set_offline(False)
    b.context.set_offline(False)
    for page in (a, b, a):
        sync_now(page)
    assert values(a) == values(b)
    [record] = values(a).values()
    assert record["mood"] == 3
    assert record["note"] == "written on the tablet"
    assert not record.get("_conflict")
    a.reload()
    expect(a.locator("#entries")).to_contain_text("Mood 3")
    expect(a.locator("#entries")).to_contain_text("written on the tablet")


def test_same_field_edited_on_two_devices_converges_and_is_flagged(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    a, username = signed_up_device(new_context, server_url)
    a.get_by_role("link", name="Today").click()
    tap_mood(a, 5)
    finish_checkin(a)
    sync_now(a)
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)

    a.context.set_offline(True)
    b.context.set_offline(True)
    for page, mood in ((a, "3"), (b, "8")):
        dialog = edit_first_entry(page)
        dialog.get_by_role("group", name="Mood", exact=True).get_by_role("radio", name=mood).check()
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
    a.context.set_offline(False)
    b.context.set_offline(False)
    for page in (a, b, a):
        sync_now(page)

    assert values(a) == values(b)
    [record] = values(a).values()
    assert record["mood"] == 8  # the later edit wins on every device
    assert record["_conflict"] is True
    a.get_by_role("link", name="Today").click()
    a.reload()
    # Started first: the click must not race the start-up sync that redraws the list.
    wait_started(a)
    flag = a.locator("#entries").get_by_text("Changed on two devices")
    expect(flag).to_be_visible()
    a.get_by_role("button", name=re.compile("^Compare versions")).click()
    compare = a.get_by_role("dialog", name="Changed on two devices")
    # Both versions side by side: A is this device's 8, B the other device's 3.
    expect(compare.get_by_role("row", name=re.compile("Mood"))).to_contain_text("8")
    expect(compare.get_by_role("row", name=re.compile("Mood"))).to_contain_text("3")
    compare.get_by_role("button", name="Keep version A").click()
    expect(flag).to_have_count(0)
    sync_now(a)
    sync_now(b)
    assert values(b)[next(iter(values(b)))]["_conflict"] is False


@pytest.mark.parametrize("server_gets_it", [True, False], ids=["answer_lost", "never_sent"])
def test_a_tab_closed_mid_sync_loses_and_duplicates_nothing(
    server_url: str, new_context: Callable[..., BrowserContext], server_gets_it: bool
) -> None:
    a, username = signed_up_device(new_context, server_url)
    context = a.context
    a.get_by_role("link", name="Today").click()
    in_flight: list[dict[str, Any]] = []

    with Blackhole() as nowhere:

        def hold_open(route: Route) -> None:
            body = json.loads(route.request.post_data or "{}")
            if in_flight:
                # Offline until the app is opened again: a Background Sync the closing tab may
                # have registered must not deliver the entries first.
                route.abort()
            elif not body.get("changes"):
                route.continue_()
            else:
                if server_gets_it:
                    route.fetch()  # the server applies the push; its answer never reaches the tab
                # The tab's request waits on a connection that never answers.
                route.continue_(url=nowhere.url + "/api/v1/sync")
                in_flight.append(body)

        context.route("**/api/v1/sync", hold_open)
        # While the test holds the sync lock the app's own after-write sync waits, so when it
        # runs it carries all three entries.
        release_sync = hold_sync_lock(a)
        for mood in (1, 2, 3):
            tap_mood(a, mood)
            finish_checkin(a)
        pending = store(a, "outbox")
        assert len(pending) == 3
        logged = {e["record_id"] for e in pending}
        change_ids = {e["change_id"] for e in pending}
        release_sync()
        wait_for(a, lambda: bool(in_flight), "the app's sync request")
        wait_for(a, lambda: nowhere.connections > 0, "the request to be on the wire")
        [sent] = in_flight
        assert {c["change_id"] for c in sent["changes"]} == change_ids
        assert len(store(a, "outbox")) == 3  # the tab never heard back
        a.close()

        # Before the app is opened again the server has the entries only if the push reached it.
        before = server_records(context, server_url, "checkin")
        assert {r["id"] for r in before} == (logged if server_gets_it else set())
        context.unroute("**/api/v1/sync")

    answers: list[dict[str, Any]] = []

    def watch(route: Route) -> None:
        response = route.fetch()
        answers.append(response.json())
        route.fulfill(response=response)

    context.route("**/api/v1/sync", watch)
    again = open_app(context, server_url)
    expect_all_synced(again)
    assert store(again, "outbox") == []
    # The reopened app sent the same changes again: the server had processed them once (the
    # lost answer) or never, and says so.
    results: dict[str, dict[str, Any]] = {}
    for answer in answers:
        for result in answer.get("results", []):
            results.setdefault(result["change_id"], result)  # how it was first received
    assert set(results) >= change_ids
    for change_id in change_ids:
        if server_gets_it:
            assert results[change_id]["status"] == "duplicate"
            assert results[change_id]["original_status"] == "applied"
        else:
            assert results[change_id]["status"] == "applied"

    after = server_records(context, server_url, "checkin")
    assert sorted(r["id"] for r in after) == sorted(logged)  # each entry once, nothing else
    assert sorted(r["fields"]["mood"]["v"] for r in after) == [1, 2, 3]
    if server_gets_it:  # the re-sent changes did not write the records a second time
        assert {r["id"]: r["server_seq"] for r in after} == {
            r["id"]: r["server_seq"] for r in before
        }
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)
    assert values(b) == values(again)
    assert sorted(v["mood"] for v in values(b).values() if "mood" in v) == [1, 2, 3]


def test_session_expiry_keeps_the_outbox_until_signed_in_again(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    a, username = signed_up_device(new_context, server_url)
    a.route(
        "**/api/v1/sync",
        lambda route: route.fulfill(
            status=401,
            content_type="application/problem+json",
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": "Sign in again.",
                    "code": "not-authenticated",
                }
            ),
        ),
    )
    a.get_by_role("link", name="Today").click()
    tap_mood(a, 4)
    finish_checkin(a)
    sync_now(a)
    a.reload()
    expect(a.locator("#sync-status")).to_contain_text(
        "Sign in again to sync — 1 entry not yet synced"
    )
    assert len(store(a, "outbox")) == 1
    a.unroute("**/api/v1/sync")
    a.locator("#sync-status").get_by_role("link", name="Sign in").click()
    form = a.locator("form[data-form=login]")
    expect(form.get_by_label("Username")).to_have_value(username)
    sign_in(a, username)
    expect_all_synced(a)
    assert store(a, "outbox") == []


def test_payload_too_large_halves_the_batch_until_it_fits(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.evaluate(WRITE_MANY, {"n": 120, "mood": 5})
    sizes: list[int] = []

    def limit(route: Route) -> None:
        changes = len(json.loads(route.request.post_data or "{}").get("changes", []))
        sizes.append(changes)
        if changes > 40:
            route.fulfill(
                status=413,
                content_type="application/problem+json",
                body='{"status": 413, "code": "too-large", "title": "Too large"}',
            )
        else:
            route.continue_()

    page.route("**/api/v1/sync", limit)
    sign_up(page, new_username())
    expect_all_synced(page)
    assert sizes[:3] == [120, 60, 30]
    assert sum(s for s in sizes if s <= 40) == 120
    assert store(page, "outbox") == []


def test_rejected_change_leaves_the_outbox_and_is_shown(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up_device(new_context, server_url)
    page.evaluate(WRITE_MANY, {"n": 1, "mood": 42})
    page.evaluate(WRITE_MANY, {"n": 1, "mood": 4})
    sync_now(page)
    assert store(page, "outbox") == []
    [dead] = store(page, "dead_letter")
    assert dead["fields"]["mood"]["v"] == 42
    assert dead["error"]["field"] == "mood"
    page.reload()
    # Refused is not synced: the line says so, and the entry is listed as the person logged it.
    expect(page.locator("#sync-status")).to_contain_text("1 entry could not be saved to the server")
    section = page.get_by_role("region", name="1 entry could not be saved to the server")
    expect(section).to_contain_text("Mood 42")
    expect(section).to_contain_text("must be a whole number from 0 to 10")
    section.get_by_role("button", name="Discard my change: Mood 42").click()
    page.locator("dialog[open]").get_by_role("button", name="Discard my change").click()
    expect(page.get_by_role("region", name=re.compile("could not be saved"))).to_have_count(0)
    expect(page.locator("#sync-status")).to_have_text("All synced")


def answer_busy(page: Page, retry_after_s: int) -> None:
    """Every sync request from this device gets 503 busy with Retry-After."""
    page.context.route(
        "**/api/v1/sync",
        lambda route: route.fulfill(
            status=503,
            headers={"Retry-After": str(retry_after_s)},
            content_type="application/problem+json",
            body='{"status": 503, "code": "busy", "title": "Busy"}',
        ),
    )


def test_busy_server_pauses_sync_and_keeps_entries(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up_device(new_context, server_url)
    answer_busy(page, retry_after_s=120)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 7)
    expect(page.locator("#sync-status")).to_have_text(
        "Sync paused: server busy — 1 entry not yet synced", timeout=5000
    )
    assert len(store(page, "outbox")) == 1


def test_clock_skew_shows_a_plain_banner(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up_device(new_context, server_url)

    def skewed(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["clock_skew_ms"] = 9 * 60 * 1000
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/sync", skewed)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#banners")).to_contain_text(
        "Your device clock looks off by about 9 minutes"
    )


def test_epoch_rotation_makes_the_device_resend_everything_and_pull_from_zero(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    page, username = signed_up_device(new_context, live_server.url)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 6)
    finish_checkin(page)
    tap_mood(page, 7)
    finish_checkin(page)
    sync_now(page)
    epoch = store(page, "meta")["epoch"]
    bodies: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    def watch(route: Route) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        try:
            response = route.fetch()
            answers.append(response.json())
            route.fulfill(response=response)
        except PlaywrightError as exc:
            # A sync the app starts by itself as the test's page closes has no one to answer.
            if "disposed" not in str(exc) and "closed" not in str(exc):
                raise

    # Watched from before the rotation: a sync the app starts by itself may be the one that
    # meets the new epoch.
    page.route("**/api/v1/sync", watch)
    env = {**os.environ, "TEND_DATABASE_URL": live_server.settings.database_url}
    subprocess.run(
        [sys.executable, "-m", "backend", "rotate-epoch", "--user", username],
        env=env,
        check=True,
        capture_output=True,
    )
    sync_now(page)
    first = next(i for i, answer in enumerate(answers) if "reset" in answer)
    assert bodies[first]["epoch"] == epoch
    assert bodies[first]["cursor"] > 0
    assert answers[first]["reset"]["reason"] == "epoch_mismatch"
    # The pull restarted from zero: every record came back, then everything was re-sent.
    assert {r["id"] for r in answers[first]["records"]} == set(values(page))
    resent = {c["record_id"] for c in bodies[first + 1]["changes"]}
    assert resent == set(values(page))
    assert all(c["fields"]["mood"] for c in bodies[first + 1]["changes"] if c["kind"] == "checkin")
    meta = store(page, "meta")
    assert meta["epoch"] != epoch
    assert store(page, "outbox") == []
    assert sorted(v["mood"] for v in values(page).values()) == [6, 7]


def test_background_sync_in_the_service_worker_uploads_the_outbox(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, username = signed_up_device(new_context, server_url)
    answer_busy(page, retry_after_s=600)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 8)
    finish_checkin(page)
    expect(page.locator("#sync-status")).to_contain_text("Sync paused: server busy")
    page.context.unroute("**/api/v1/sync")

    fire_background_sync(page, server_url)
    # The worker's sync tells open pages, which drop the "busy" state.
    expect(page.locator("#sync-status")).to_have_text("All synced", timeout=10_000)
    assert store(page, "outbox") == []
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)
    assert [v["mood"] for v in values(b).values()] == [8]


def test_every_quick_log_and_the_singletons_are_accepted_by_the_server(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, username = signed_up_device(new_context, server_url)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 5)
    open_details(page)
    page.get_by_role("group", name="Energy").get_by_role("radio", name="2").check()
    page.get_by_role("button", name="Work").click()
    page.get_by_label("Note (optional)").fill("short note")
    page.get_by_label("Note (optional)").blur()
    page.get_by_label("Note (optional)").fill("")
    page.get_by_label("Note (optional)").blur()
    finish_checkin(page)
    page.get_by_role("button", name="Dose taken").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Lithium")
    dialog.get_by_label("What is it for? (optional)").select_option("mood_stabilizer")
    dialog.get_by_role("button", name="Save").click()
    page.get_by_role("dialog", name="Dose", exact=True).get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Sleep last night").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Went to bed (optional)").fill("23:30")
    dialog.get_by_label("Woke up (optional)", exact=True).fill("06:45")
    dialog.get_by_role("radio", name="4 good").check()
    dialog.get_by_role("button", name="Save").click()
    for button, fill in (("Movement", "30 minutes"), ("Alcohol", None), ("Meal", None)):
        page.get_by_role("button", name=button).click()
        if fill:
            page.get_by_role("dialog").get_by_role("button", name=fill).click()
        page.get_by_role("dialog").get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Side effect").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("What did you notice?").fill("tremor")
    dialog.get_by_role("radio", name="2 moderate").check()
    dialog.get_by_label("From which medication? (optional)").select_option(label="Lithium")
    dialog.get_by_role("button", name="Save").click()
    # The header's link: an open dialog has its own "Get help" too.
    page.get_by_role("banner").get_by_role("link", name="Get help").click()
    page.get_by_label("Your country").select_option("NZ")
    page.get_by_role("link", name="Write my safety plan").click()
    page.get_by_label("Things I can do on my own to cope").fill("Walk the dog")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="My safety plan")).to_contain_text("Walk the dog")

    sync_now(page)
    assert store(page, "dead_letter") == []
    assert store(page, "outbox") == []
    b = open_app(new_context(), server_url)
    sign_in(b, username)
    sync_now(b)
    assert values(b) == values(page)
    b.get_by_role("link", name="Get help").click()
    expect(b.get_by_label("Your country")).to_have_value("NZ")
    expect(b.get_by_role("region", name="My safety plan")).to_contain_text("Walk the dog")
    b.get_by_role("link", name="Today").click()
    expect(b.locator("#entries")).to_contain_text("Side effect: tremor (moderate)")


FAST_CLOCK = """(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + 24 * 3600 * 1000;  // this device's clock is a day fast
})();"""


def test_a_fast_clock_keeps_the_hlc_the_server_chose(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    context.add_init_script(FAST_CLOCK)
    page = open_app(context, server_url)
    tap_mood(page, 4)
    finish_checkin(page)
    [local_before] = store(page, "records")

    def without_records(route: Route) -> None:
        # As if the record fell on a later pull page that never arrived (a restore came
        # first): only the push result can tell the device the HLC the server kept.
        response = route.fetch()
        body = response.json()
        body["records"], body["has_more"] = [], False
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/sync", without_records)
    sign_up(page, new_username())
    sync_now(page)
    expect_all_synced(page)
    [local] = store(page, "records")
    exported = page.evaluate("fetch('/api/v1/account/export').then((r) => r.json())")
    [server] = exported["records"]
    # The server replaced the far-future HLC; the device now holds the server's, so a
    # re-push after a restore would not resend the future one.
    assert server["fields"]["mood"]["hlc"] < local_before["fields"]["mood"]["hlc"]
    assert local["fields"]["mood"]["hlc"] == server["fields"]["mood"]["hlc"]
