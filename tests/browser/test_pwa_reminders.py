"""Reminders end to end with no internet: routines screen -> server schedule -> Web Push through
a local push service -> the real service worker (via CDP) -> "Taken" -> a dose on the server."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from backend.db import fetch
from backend.reminders.sender import ReminderSender, TickStats
from tests.browser.pwa_support import (
    expect_all_synced,
    fire_background_sync,
    go_to,
    new_username,
    open_app,
    registration_id,
    sign_up,
    store,
    sync_now,
    wait_until,
)
from tests.browser.test_pwa_a11y import TARGETS, violations
from tests.support.live_server import LiveServer
from tests.support.push_service import LocalPushService, LocalSubscription

DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

ZONE = "Europe/Paris"

# Stands in for the browser's push service: PushManager hands out a subscription on the local
# push service, and the page's Notification permission starts unasked ("default").
FAKE_PUSH = """(() => {
  if (typeof window === 'undefined' || !window.PushManager) return;
  const SUB = %s;
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') +
    '='.repeat((4 - (s.length %% 4)) %% 4)), (c) => c.charCodeAt(0)).buffer;
  const text = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const made = (key) => ({
    endpoint: SUB.endpoint, expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: bytes(key) },
    getKey: (name) => bytes(name === 'p256dh' ? SUB.p256dh : SUB.auth),
    toJSON: () => ({
      endpoint: SUB.endpoint, expirationTime: null, keys: { p256dh: SUB.p256dh, auth: SUB.auth },
    }),
    unsubscribe: async () => { localStorage.removeItem('fake-push-key'); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = text(options.applicationServerKey);
    localStorage.setItem('fake-push-key', key);
    return made(key);
  };
  PushManager.prototype.getSubscription = async function () {
    const key = localStorage.getItem('fake-push-key');
    return key ? made(key) : null;
  };
  Object.defineProperty(Notification, 'permission', {
    configurable: true, get: () => localStorage.getItem('fake-permission') || 'default',
  });
  Notification.requestPermission = async () => {
    localStorage.setItem('fake-permission-asked-in-tap', String(navigator.userActivation.isActive));
    localStorage.setItem('fake-permission', 'granted');
    return 'granted';
  };
})();"""

NOTIFICATIONS = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
  .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data,
  actions: n.actions.map((a) => ({ action: a.action, title: a.title })) }))"""

CLICK = """async (action) => {
  const [n] = await self.registration.getNotifications();
  return self.__tendHandleNotificationClick({ action, notification: n });
}"""


@pytest.fixture
def push() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


def device(
    new_context: Callable[..., BrowserContext],
    server: LiveServer,
    sub: LocalSubscription,
    **options: Any,
) -> BrowserContext:
    context = new_context(timezone_id=ZONE, **options)
    context.grant_permissions(["notifications"], origin=server.url)
    context.add_init_script(
        FAKE_PUSH % json.dumps({"endpoint": sub.endpoint, "p256dh": sub.p256dh, "auth": sub.auth})
    )
    return context


def local_subscription(server: LiveServer, push: LocalPushService) -> LocalSubscription:
    key = httpx.get(f"{server.url}/api/v1/push/key").json()["public_key"]
    return push.new_subscription(key)


def sql(server: LiveServer, query: str, *args: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = server.call(fetch(server.app.state.services.engine, query, *args))
    return rows


def tick(server: LiveServer, now: datetime) -> TickStats:
    sender: ReminderSender = server.app.state.services.reminders().sender
    return server.call(sender.tick(now))


def eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def deliver_push(page: Page, origin: str, data: str) -> None:
    """Hand a (decrypted) push message to the app's real service worker."""
    cdp, reg = registration_id(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": reg, "data": data},
    )
    wait_until(page, f"({NOTIFICATIONS})().then((n) => n.length > 0)")


def export(page: Page) -> list[dict[str, Any]]:
    body = page.evaluate("fetch('/api/v1/account/export').then((r) => r.json())")
    records: list[dict[str, Any]] = body["records"]
    return records


def values(record: dict[str, Any]) -> dict[str, Any]:
    return {k: f["v"] for k, f in record["fields"].items()}


def server_doses(page: Page) -> list[dict[str, Any]]:
    return [values(r) for r in export(page) if r["kind"] == "dose"]


def soon_in_zone(minutes: int = 10) -> str:
    return (datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=minutes)).strftime("%H:%M")


def add_medication_routine(page: Page, at: str) -> None:
    """Through the UI: a medication (added from the routine form) and its morning routine."""
    go_to(page, "Routines")
    page.get_by_role("button", name="Add a routine").click()
    dialog = page.get_by_role("dialog", name="New routine")
    dialog.get_by_role("button", name="Add a medication").click()
    med = page.get_by_role("dialog", name="Add a medication")
    med.get_by_label("Name").fill("Sertraline")
    med.get_by_label("Dose (optional)").fill("50")
    med.get_by_label("Unit (optional)").fill("mg")
    med.get_by_role("button", name="Save").click()
    dialog = page.get_by_role("dialog", name="New routine")
    expect(dialog.get_by_role("radio", name="Sertraline")).to_be_checked()
    expect(dialog.get_by_label("Time zone")).to_have_value(ZONE)
    dialog.get_by_label("Name", exact=True).fill("Morning pills")
    dialog.get_by_label("Time 1", exact=True).fill(at)
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#routines")).to_contain_text("Morning pills (Sertraline)")


def records_of(page: Page, kind: str) -> list[dict[str, Any]]:
    return [r for r in store(page, "records") if r["kind"] == kind]


def test_a_routine_reminder_from_the_server_is_shown_discreetly_and_taken_from_the_notification(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    sub = local_subscription(live_server, push)
    context = device(new_context, live_server, sub)
    page = open_app(context, live_server.url)
    sign_up(page, new_username())
    add_medication_routine(page, soon_in_zone())
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.locator("#push-result")).to_have_text("Reminders are on for this device.")
    assert page.evaluate("localStorage.getItem('fake-permission-asked-in-tap')") == "true"
    expect_all_synced(page)
    [subscription] = sql(live_server, "SELECT endpoint, device_id FROM push_subscription")
    assert subscription["endpoint"] == sub.endpoint
    assert str(subscription["device_id"]) == store(page, "meta")["device_id"]

    [routine] = records_of(page, "routine")
    [medication] = records_of(page, "medication")
    [row] = sql(
        live_server,
        "SELECT due_at, occurrence FROM reminder WHERE routine_id = {} AND purpose = 'main'"
        " ORDER BY due_at LIMIT 1",
        uuid.UUID(routine["id"]),
    )
    assert tick(live_server, row["due_at"]).sent == 1
    [message] = push.wait_for_messages(1)
    payload = message.json()
    assert (payload["title"], payload["occurrence"]) == ("Tend", row["occurrence"])
    assert not re.search(rb"Sertraline|Morning pills", message.plaintext)

    deliver_push(page, live_server.url, message.plaintext.decode())
    [shown] = page.evaluate(NOTIFICATIONS)
    assert shown["title"] == "Tend"
    assert re.fullmatch(r"Time for your \d{1,2}:\d\d routine", shown["body"])
    assert shown["actions"] == [
        {"action": "taken", "title": "Taken"},
        {"action": "snooze", "title": "Snooze 15 min"},
    ]
    assert shown["tag"] == row["occurrence"]
    assert "Sertraline" not in json.dumps(shown)

    result = context.service_workers[0].evaluate(CLICK, "taken")
    assert result["action"] == "taken"
    assert result["sync"] == "ok"
    assert page.evaluate(NOTIFICATIONS) == []
    [dose] = server_doses(page)
    assert dose["medication_id"] == medication["id"]
    assert (dose["status"], dose["occurrence"], dose["routine_id"]) == (
        "taken",
        row["occurrence"],
        routine["id"],
    )
    assert (dose["amount"], dose["unit"]) == (50, "mg")
    page.get_by_role("link", name="Today").click()
    expect(page.locator("#entries")).to_contain_text("Dose taken: Sertraline 50 mg")
    # The server saw the dose: the follow-up half an hour later is skipped, not sent.
    later = tick(live_server, row["due_at"] + timedelta(minutes=31))
    assert (later.sent, later.skipped) == (0, 1)
    assert len(push.messages) == 1


def seeded_device(
    new_context: Callable[..., BrowserContext],
    server: LiveServer,
    push: LocalPushService,
    **options: Any,
) -> tuple[Page, dict[str, str]]:
    """A signed-in device with a medication and a routine written through store.js."""
    sub = local_subscription(server, push)
    page = open_app(device(new_context, server, sub, **options), server.url)
    sign_up(page, new_username())
    ids = page.evaluate(
        """async (zone) => {
      const { openDb } = await import('/js/db.js');
      const { writeRecord } = await import('/js/store.js');
      const db = await openDb();
      const med = await writeRecord(db, { kind: 'medication',
        values: { name: 'Lithium', dose: 400, unit: 'mg' } });
      const routine = await writeRecord(db, { kind: 'routine', values: { kind: 'medication',
        title: 'Evening', times: ['21:00'], tz: zone, medication_id: med.record.id } });
      return { medication: med.record.id, routine: routine.record.id };
    }""",
        ZONE,
    )
    sync_now(page)
    return page, ids


def reminder_payload(ids: dict[str, str]) -> dict[str, Any]:
    """What the server sends for this device's routine (backend/reminders/payload.py)."""
    occurrence = f"{ids['routine']}@2026-11-27T21:00+01:00"
    query = {"occurrence": occurrence, "routine": ids["routine"], "medication": ids["medication"]}
    return {
        "v": 1,
        "kind": "medication",
        "title": "Tend",
        "body": "Time for your 21:00 routine",
        "routine_id": ids["routine"],
        "occurrence": occurrence,
        "actions": [
            {"action": "taken", "title": "Taken"},
            {"action": "snooze", "title": "Snooze 15 min"},
        ],
        "url": "/#/log/dose?" + urlencode(query),
    }


def test_taken_while_offline_stays_in_the_outbox_and_background_sync_delivers_it(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, ids = seeded_device(new_context, live_server, push)
    expect_all_synced(page)
    payload = reminder_payload(ids)
    page.context.set_offline(True)
    deliver_push(page, live_server.url, json.dumps(payload))
    result = page.context.service_workers[0].evaluate(CLICK, "taken")
    assert result["sync"] == "later"
    [pending] = [e for e in store(page, "outbox") if e["kind"] == "dose"]
    assert pending["fields"]["occurrence"]["v"] == payload["occurrence"]
    # A second "Taken" for the same occurrence (say, on the follow-up) adds nothing. The
    # first notification's close must have landed first: Chromium closes by tag, and a
    # close still in flight took the second notification (same tag) with it once in CI.
    wait_until(page, f"({NOTIFICATIONS})().then((n) => n.length === 0)")
    deliver_push(page, live_server.url, json.dumps(payload))
    page.context.service_workers[0].evaluate(CLICK, "taken")
    assert len(records_of(page, "dose")) == 1

    page.context.set_offline(False)
    fire_background_sync(page, live_server.url)
    wait_until(
        page,
        "fetch('/api/v1/account/export').then((r) => r.json())"
        ".then((b) => b.records.some((r) => r.kind === 'dose'))",
    )
    [dose] = server_doses(page)
    assert (dose["medication_id"], dose["occurrence"]) == (ids["medication"], payload["occurrence"])


def shown_reminder(
    new_context: Callable[..., BrowserContext], server: LiveServer, push: LocalPushService
) -> tuple[Page, str]:
    """A device showing the notification for the server's next planned reminder."""
    page, ids = seeded_device(new_context, server, push)
    expect_all_synced(page)
    [row] = sql(
        server,
        "SELECT occurrence FROM reminder WHERE routine_id = {} AND purpose = 'main'"
        " ORDER BY due_at LIMIT 1",
        uuid.UUID(ids["routine"]),
    )
    occurrence: str = row["occurrence"]
    deliver_push(page, server.url, json.dumps({**reminder_payload(ids), "occurrence": occurrence}))
    return page, occurrence


def test_snooze_asks_the_server_to_send_the_reminder_again_in_15_minutes(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, occurrence = shown_reminder(new_context, live_server, push)
    started = datetime.now().astimezone()
    result = page.context.service_workers[0].evaluate(CLICK, "snooze")
    assert result == {"action": "snooze", "status": 202}
    [snoozed] = sql(
        live_server,
        "SELECT due_at FROM reminder WHERE occurrence = {} AND purpose = 'snooze'",
        occurrence,
    )
    assert timedelta(minutes=14) < snoozed["due_at"] - started < timedelta(minutes=16)


def test_snooze_tapped_offline_is_kept_and_sent_when_the_network_is_back(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, occurrence = shown_reminder(new_context, live_server, push)
    page.context.set_offline(True)
    started = datetime.now().astimezone()
    result = page.context.service_workers[0].evaluate(CLICK, "snooze")
    assert result == {"action": "snooze", "status": "queued"}
    snoozed_sql = "SELECT due_at FROM reminder WHERE occurrence = {} AND purpose = 'snooze'"
    assert not sql(live_server, snoozed_sql, occurrence)

    page.context.set_offline(False)
    fire_background_sync(page, live_server.url)
    eventually(lambda: bool(sql(live_server, snoozed_sql, occurrence)))
    [snoozed] = sql(live_server, snoozed_sql, occurrence)
    # Sent late, it keeps its time: about 15 minutes after the tap, not after the sync.
    assert timedelta(minutes=14) < snoozed["due_at"] - started < timedelta(minutes=16)
    # The worker forgets the snooze once the server's answer reaches it, a moment after the
    # server wrote the row: under load that moment can come after the check above.
    eventually(lambda: store(page, "meta")["pending_snoozes"] == [])


def test_the_reminder_link_opens_the_dose_form_prefilled_and_answers_the_occurrence(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, ids = seeded_device(new_context, live_server, push)
    page.evaluate(
        "async () => { const { openDb } = await import('/js/db.js');"
        " const { writeRecord } = await import('/js/store.js');"
        " await writeRecord(await openDb(),"
        " { kind: 'medication', values: { name: 'Quetiapine' } }); }"
    )
    payload = reminder_payload(ids)
    # A tap on the notification's body (no action) opens the app at the payload's link.
    deliver_push(page, live_server.url, json.dumps(payload))
    opened = page.context.service_workers[0].evaluate(CLICK, "")
    assert opened == {"action": "open", "url": live_server.url + payload["url"]}
    dialog = page.get_by_role("dialog", name="Dose")
    expect(dialog.get_by_role("radio", name="Lithium")).to_be_checked()
    expect(dialog.get_by_label("Amount (optional)")).to_have_value("400")
    assert page.evaluate("location.hash") == "#/today"
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#entries")).to_contain_text("Dose taken: Lithium 400 mg")
    wait_until(
        page,
        "import('/js/store.js').then(async (s) => (await s.listKind("
        "await (await import('/js/db.js')).openDb(), 'dose'))[0]?.fields.occurrence)",
    )
    [dose] = records_of(page, "dose")
    assert dose["fields"]["occurrence"]["v"] == payload["occurrence"]
    assert dose["fields"]["routine_id"]["v"] == ids["routine"]
    # The same link again opens that dose rather than logging a second one.
    page.goto(live_server.url + payload["url"])
    expect(page.get_by_role("dialog", name="Edit: dose")).to_be_visible()
    page.keyboard.press("Escape")
    # "Done" on a check-in opens the check-in (a mood cannot be guessed); on a walk it logs nothing.
    checkin = {**payload, "kind": "checkin", "url": "/#/log/checkin?occurrence=x"}
    deliver_push(page, live_server.url, json.dumps(checkin))
    page.context.service_workers[0].evaluate(CLICK, "done")
    expect(page.get_by_role("dialog", name="Check-in")).to_be_visible()
    page.keyboard.press("Escape")
    deliver_push(page, live_server.url, json.dumps({**checkin, "kind": "movement"}))
    assert page.context.service_workers[0].evaluate(CLICK, "done") == {"action": "done"}
    assert page.evaluate(NOTIFICATIONS) == []
    assert len(records_of(page, "dose")) == 1


def test_routines_screen_saves_edits_and_pauses_routines_the_server_schedules(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    sub = local_subscription(live_server, push)
    page = open_app(device(new_context, live_server, sub), live_server.url)
    sign_up(page, new_username())
    go_to(page, "Routines")
    page.get_by_role("button", name="Add a routine").click()
    dialog = page.get_by_role("dialog", name="New routine")
    dialog.get_by_role("radio", name="Check-in").check()
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("Check-in")
    expect(dialog.get_by_role("group", name="Which medication?")).to_be_hidden()
    dialog.get_by_label("Time 1", exact=True).fill("09:15")
    dialog.get_by_role("button", name="Add another time").click()
    dialog.get_by_label("Time 2", exact=True).fill("20:00")
    # Two days off, never today or the next two days in New York: the server plans 48 hours
    # ahead, so reminders exist to look at whatever day of the week the test runs on.
    today = datetime.now(ZoneInfo("America/New_York")).isoweekday()
    off = sorted((today + shift - 1) % 7 + 1 for shift in (3, 4))
    kept = [d for d in range(1, 8) if d not in off]
    for day in off:
        dialog.get_by_role("checkbox", name=DAY_NAMES[day - 1]).uncheck()
    dialog.get_by_label("Time zone").fill("Mars/Olympus")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("is not a time zone")
    expect(dialog.get_by_label("Time zone")).to_be_focused()
    dialog.get_by_label("Time zone").fill("America/New_York")
    dialog.get_by_role("button", name="Save").click()
    item = page.locator("#routines li").first
    expect(item).to_contain_text("09:15, 20:00")
    days_text = "Weekdays" if off == [6, 7] else ", ".join(DAY_NAMES[d - 1] for d in kept)
    expect(item).to_contain_text(f"{days_text} · America/New_York")
    expect_all_synced(page)

    [routine] = [r for r in export(page) if r["kind"] == "routine"]
    saved = values(routine)
    assert saved.pop("_created_at")
    assert saved == {
        "kind": "checkin",
        "title": "Check-in",
        "times": ["09:15", "20:00"],
        "days": kept,
        "tz": "America/New_York",
        "enabled": True,
        "follow_up_minutes": 0,
    }
    planned = sql(
        live_server,
        "SELECT occurrence FROM reminder WHERE routine_id = {} AND state = 'pending'",
        uuid.UUID(routine["id"]),
    )
    assert planned
    assert all(re.search(r"T(09:15|20:00)-0[45]:00$", r["occurrence"]) for r in planned)

    page.get_by_role("button", name="Pause reminders: Check-in").click()
    expect(item).to_contain_text("Paused")
    expect_all_synced(page)
    assert not sql(
        live_server,
        "SELECT id FROM reminder WHERE routine_id = {} AND state = 'pending'",
        uuid.UUID(routine["id"]),
    )
    page.get_by_role("button", name="Edit: Check-in").click()
    dialog = page.get_by_role("dialog", name="Edit routine")
    expect(dialog.get_by_label("Reminders on")).not_to_be_checked()
    dialog.get_by_label("Reminders on").check()
    dialog.get_by_role("button", name="Save").click()
    expect(item).not_to_contain_text("Paused")
    expect_all_synced(page)
    assert sql(
        live_server,
        "SELECT id FROM reminder WHERE routine_id = {} AND state = 'pending'",
        uuid.UUID(routine["id"]),
    )


def test_discreet_mode_and_quiet_hours_are_saved_in_the_profile(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, ids = seeded_device(new_context, live_server, push)
    # Quiet hours and discreet reminders are part of the profile, kept in Settings.
    go_to(page, "Settings")
    discreet = page.get_by_label(re.compile("^Discreet reminders"))
    expect(discreet).to_be_checked()
    page.get_by_label("Quiet hours start").fill("22:00")
    expect(page.get_by_text("Please set both a start and an end")).to_be_visible()
    page.get_by_label("Quiet hours end").fill("07:00")
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()
    discreet.uncheck()
    expected = {
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "tz": ZONE,
        "discreet_notifications": False,
    }
    # The app syncs by itself soon after the change; the server's copy is what counts.
    eventually(lambda: [values(r) for r in export(page) if r["kind"] == "profile"] == [expected])
    # Discreet off: the worker may name the routine and the medication from this device.
    deliver_push(page, live_server.url, json.dumps(reminder_payload(ids)))
    [shown] = page.evaluate(NOTIFICATIONS)
    assert (shown["title"], shown["body"]) == ("Evening", "Time for Lithium (21:00)")


def test_the_status_panel_explains_each_state_and_sends_a_test_reminder(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    sub = local_subscription(live_server, push)
    page = open_app(device(new_context, live_server, sub), live_server.url, "/#/routines")
    panel = page.locator(
        "section", has=page.get_by_role("heading", name="Will reminders work here?")
    )
    expect(panel).to_contain_text("Not yet:")
    expect(panel.locator("[data-check=permission]")).to_have_text(
        "Notifications are not turned on yet."
    )
    expect(panel.locator("[data-check=device]")).to_contain_text("not set up")
    expect(panel.locator("[data-check=sync]")).to_contain_text("need sync")
    expect(panel.get_by_role("button", name="Send test reminder")).to_have_count(0)
    panel.get_by_role("button", name="Turn on reminders").click()
    expect(page.locator("#push-result")).to_contain_text("Turn on sync so the server can send")
    expect(page.locator("#push-result")).to_be_focused()
    expect(panel.locator("[data-check=permission]")).to_have_text("Notifications are allowed.")
    expect(panel.locator("[data-check=device]")).to_have_text(
        "This device is set up to receive reminders."
    )

    page.get_by_role("link", name="Today").click()
    sign_up(page, new_username())
    go_to(page, "Routines")
    expect(panel).to_contain_text("Yes, reminders can reach this device.")
    # Signed in now: opening the screen registered this device with the server.
    eventually(lambda: bool(sql(live_server, "SELECT id FROM push_subscription")))
    panel.get_by_role("button", name="Send test reminder").click()
    expect(page.locator("#push-result")).to_contain_text("Sent. A test reminder should appear")
    [message] = push.wait_for_messages(1)
    assert message.json()["kind"] == "test"

    # Subscriptions re-post on every app start: a server that lost this device learns it again.
    page.get_by_role("link", name="Today").click()
    sql(live_server, "DELETE FROM push_subscription")
    assert not sql(live_server, "SELECT id FROM push_subscription")
    page.reload()
    eventually(lambda: bool(sql(live_server, "SELECT id FROM push_subscription")))
    go_to(page, "Routines")

    panel.get_by_role("button", name="Turn off reminders here").click()
    expect(page.locator("#push-result")).to_have_text("Reminders are off on this device.")
    expect(panel.locator("[data-check=device]")).to_contain_text("not set up")
    assert not sql(live_server, "SELECT id FROM push_subscription")


def test_on_an_iphone_outside_the_home_screen_the_panel_says_to_add_it(
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
        " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    )
    sub = local_subscription(live_server, push)
    page = open_app(device(new_context, live_server, sub, user_agent=iphone), live_server.url)
    page.goto(live_server.url + "/#/routines")
    expect(page.locator("[data-check=ios]")).to_contain_text("Add to Home Screen")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_routines_screen_and_form_pass_axe_and_have_44px_targets(
    scheme: str,
    live_server: LiveServer,
    push: LocalPushService,
    new_context: Callable[..., BrowserContext],
) -> None:
    page, _ = seeded_device(new_context, live_server, push, color_scheme=scheme)
    go_to(page, "Routines")
    expect(page.get_by_role("button", name="Edit: Evening")).to_be_visible()
    page.wait_for_timeout(100)
    found: dict[str, Any] = {}
    small: dict[str, Any] = {}
    for name in ("screen", "form"):
        if name == "form":
            page.get_by_role("button", name="Edit: Evening").click()
            page.get_by_role("dialog").wait_for()
        if problems := violations(page):
            found[name] = problems
        if bad := [t for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]:
            small[name] = bad
    assert found == {}
    assert small == {}
