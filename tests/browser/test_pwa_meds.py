"""The Medications screen (#/meds): the treatment history. Add with every field, edit, change a
dose, stop with a reason (pickers then leave it out), restart, delete with undo; what the server
gets after a sync; axe in light and dark, no sideways scrolling on a phone, offline."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import PHONE, save_screenshot
from tests.browser.pwa_support import (
    new_username,
    open_app,
    server_records,
    sign_up,
    store,
    sync_now,
    wait_until,
)
from tests.browser.test_pwa_a11y import violations

SEED = """async (meds) => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const db = await openDb();
  const ids = {};
  for (const values of meds) {
    if (values.augments) values.augments = ids[values.augments];
    ids[values.name] = (await writeRecord(db, { kind: 'medication', values })).record.id;
  }
  return ids;
}"""

# Two taken now (one added to the other) and one stopped: the screen's usual look.
HISTORY = [
    {
        "name": "Sertraline",
        "dose": 150,
        "unit": "mg",
        "role": "antidepressant",
        "started_on": "2026-06-01",
        "schedule_note": "Mornings with breakfast",
        "dose_changes": [
            {"on": "2026-06-01", "dose": 50, "unit": "mg"},
            {"on": "2026-07-15", "dose": 100, "unit": "mg"},
            {"on": "2026-09-01", "dose": 150, "unit": "mg"},
        ],
    },
    {
        "name": "Aripiprazole",
        "dose": 2.5,
        "unit": "mg",
        "role": "augmentation",
        "started_on": "2026-10-01",
        "augments": "Sertraline",
    },
    {
        "name": "Venlafaxine",
        "dose": 225,
        "unit": "mg",
        "role": "antidepressant",
        "started_on": "2026-01-10",
        "stopped_on": "2026-05-20",
        "stop_reason": "side_effects",
    },
]


def medications(page: Page) -> dict[str, dict[str, Any]]:
    """This device's medication records by name, as plain values (deleted ones included)."""
    out = {}
    for r in store(page, "records"):
        if r["kind"] == "medication":
            out[r["fields"]["name"]["v"]] = {"id": r["id"], "deleted": r["deleted"]} | {
                k: f["v"] for k, f in r["fields"].items() if not k.startswith("_")
            }
    return out


def today(page: Page) -> str:
    return str(page.evaluate("async () => (await import('/js/time.js')).localDate()"))


def day_text(date: str) -> str:
    y, m, d = date.split("-")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(d)} {months[int(m) - 1]} {y}"


def open_meds(page: Page, url: str) -> None:
    page.goto(url + "/#/meds")
    expect(page.get_by_role("heading", name="Medications", level=1)).to_be_visible()


def item(page: Page, name: str) -> Locator:
    return page.locator("li.med").filter(has=page.get_by_role("heading", name=name, exact=True))


def save(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def test_add_edit_change_dose_stop_restart_delete_and_sync(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    sign_up(page, new_username())
    page.get_by_role("link", name="Today").click()
    page.get_by_role("link", name="My medications").click()
    expect(page.get_by_role("heading", name="Medications", level=1)).to_be_visible()
    current, past = page.locator("#meds-current"), page.locator("#meds-past")
    expect(current).to_have_text("No medications yet.")

    # The form checks the server's rules before saving, and says what is wrong in an alert.
    page.get_by_role("button", name="Add a medication").click()
    dialog = page.get_by_role("dialog", name="Add a medication")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text("Please fill in “Name”.")
    dialog.get_by_label("Name", exact=True).fill("Sertraline")
    dialog.get_by_label("Dose (optional)").fill("2000000")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text("“Dose” must be a number from 0 to 1,000,000.")
    dialog.get_by_label("Dose (optional)").fill("100")
    dialog.get_by_label("Unit (optional)").fill("mg")
    dialog.get_by_label("What is it for? (optional)").select_option(label="Antidepressant")
    dialog.get_by_label("Started on (optional)").fill("2026-09-01")
    save(dialog)
    expect(page.locator("#snackbar")).to_have_text("Saved")

    # A second one with every field, added to the first.
    page.get_by_role("button", name="Add a medication").click()
    dialog = page.get_by_role("dialog", name="Add a medication")
    dialog.get_by_label("Name", exact=True).fill("Aripiprazole")
    dialog.get_by_label("Dose (optional)").fill("2.5")
    dialog.get_by_label("Unit (optional)").fill("mg")
    dialog.get_by_label("What is it for? (optional)").select_option(label="Augmentation")
    dialog.get_by_label("Taken only as needed").check()
    dialog.get_by_label("When you take it (optional)").fill("Mornings with food")
    dialog.get_by_label("Started on (optional)").fill("2026-10-01")
    dialog.get_by_label("Added to which medication? (optional)").select_option(label="Sertraline")
    dialog.get_by_label("Notes (optional)").fill("From Dr A.")
    save(dialog)
    meds = medications(page)
    sertraline_id = meds["Sertraline"]["id"]
    entered = {
        "name": "Aripiprazole",
        "dose": 2.5,
        "unit": "mg",
        "role": "augmentation",
        "as_needed": True,
        "schedule_note": "Mornings with food",
        "started_on": "2026-10-01",
        "augments": sertraline_id,
        "notes": "From Dr A.",
    }
    assert {k: meds["Aripiprazole"].get(k) for k in entered} == entered
    row = item(page, "Aripiprazole")
    expect(row).to_contain_text("2.5 mg · Augmentation · As needed")
    expect(row).to_contain_text("Added to Sertraline")
    expect(row).to_contain_text("Mornings with food")
    expect(row).to_contain_text("Started 1 Oct 2026")

    # Edit: the form shows what was saved; only the changes are written.
    row.get_by_role("button", name="Edit: Aripiprazole").click()
    dialog = page.get_by_role("dialog", name="Edit: Aripiprazole")
    expect(dialog.get_by_label("Added to which medication? (optional)")).to_have_value(
        sertraline_id
    )
    expect(dialog.get_by_label("Taken only as needed")).to_be_checked()
    dialog.get_by_label("Dose (optional)").fill("5")
    dialog.get_by_label("Taken only as needed").uncheck()
    save(dialog)
    entered |= {"dose": 5, "as_needed": False}
    assert {k: medications(page)["Aripiprazole"].get(k) for k in entered} == entered
    expect(item(page, "Aripiprazole")).to_contain_text("5 mg · Augmentation")

    # A dose change appends a step (the starting dose too, being the first) and sets the dose.
    item(page, "Sertraline").get_by_role("button", name="Change dose: Sertraline").click()
    dialog = page.get_by_role("dialog", name="Change dose: Sertraline")
    expect(dialog).to_contain_text("Now: 100 mg.")
    expect(dialog.get_by_label("Unit (optional)")).to_have_value("mg")
    dialog.get_by_label("From which day?").fill("2026-10-15")
    dialog.get_by_label("New dose").fill("150")
    save(dialog)
    sertraline = medications(page)["Sertraline"]
    assert (sertraline["dose"], sertraline["unit"]) == (150, "mg")
    assert sertraline["dose_changes"] == [
        {"on": "2026-09-01", "dose": 100, "unit": "mg"},
        {"on": "2026-10-15", "dose": 150, "unit": "mg"},
    ]
    expect(item(page, "Sertraline")).to_contain_text(
        "Dose steps: 100 mg from 1 Sep 2026, 150 mg from 15 Oct 2026"
    )
    expect(item(page, "Sertraline")).to_contain_text(
        re.compile(r"Started 1 Sep 2026 \(\d+ weeks so far\)")
    )

    # A reminder for it, to see stopping pause it.
    page.evaluate(
        """async (id) => {
      const { openDb } = await import('/js/db.js');
      const { writeRecord } = await import('/js/store.js');
      await writeRecord(await openDb(), { kind: 'routine', values: { kind: 'medication',
        title: 'Morning', times: ['08:00'], tz: 'UTC', medication_id: id, enabled: true } });
    }""",
        meds["Aripiprazole"]["id"],
    )
    # Stop with a reason: it moves to the past, with when and why in plain words.
    item(page, "Aripiprazole").get_by_role("button", name="Stop: Aripiprazole").click()
    dialog = page.get_by_role("dialog", name="Stop: Aripiprazole")
    day = today(page)
    expect(dialog.get_by_label("Stopped on")).to_have_value(day)
    expect(dialog.get_by_label("Pause its reminders too")).to_be_checked()
    dialog.get_by_label("Stopped on").fill("2026-09-30")
    dialog.get_by_label("Side effects").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "The day you stopped is before the day you started (1 Oct 2026)."
    )
    dialog.get_by_label("Stopped on").fill(day)
    save(dialog)
    expect(past.locator("li.med")).to_have_count(1)
    expect(item(page, "Aripiprazole")).to_contain_text(f"Stopped {day_text(day)}: side effects")
    expect(current).not_to_contain_text("Aripiprazole")
    # Focus stays with the medication, now under "Stopped".
    expect(item(page, "Aripiprazole").get_by_role("heading")).to_be_focused()
    aripiprazole = medications(page)["Aripiprazole"]
    assert (aripiprazole["stopped_on"], aripiprazole["stop_reason"]) == (day, "side_effects")
    [routine] = [r for r in store(page, "records") if r["kind"] == "routine"]
    assert routine["fields"]["enabled"]["v"] is False

    # The dose form's picker offers only what is taken now.
    page.get_by_role("link", name="Today").click()
    page.locator("button[data-form=dose]").click()
    dialog = page.get_by_role("dialog", name="Dose")
    picker = dialog.get_by_role("group", name="Medication")
    expect(picker.get_by_role("radio", name="Sertraline")).to_have_count(1)
    expect(picker.get_by_role("radio", name="Aripiprazole")).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()

    # Restart: back to "Taking now", from a new start; the earlier trial is kept in the notes.
    open_meds(page, server_url)
    item(page, "Aripiprazole").get_by_role("button", name="Restart: Aripiprazole").click()
    dialog = page.get_by_role("dialog", name="Restart: Aripiprazole")
    expect(dialog.get_by_label("Taking it again since")).to_have_value(day)
    expect(dialog).to_contain_text("Its reminders stay paused: you can resume them in Routines.")
    save(dialog)
    expect(current.locator("li.med")).to_have_count(2)
    expect(past).to_have_text("None stopped.")
    aripiprazole = medications(page)["Aripiprazole"]
    restarted = [aripiprazole[k] for k in ("stopped_on", "stop_reason", "started_on")]
    assert restarted == [None, None, day]
    assert aripiprazole["notes"] == (
        f"From Dr A.\nTaken before: started 1 Oct 2026, stopped {day_text(day)}: side effects."
    )

    # What the server has after a sync is what was entered.
    sync_now(page)
    assert store(page, "outbox") == []
    assert store(page, "dead_letter") == []
    on_server = {
        r["fields"]["name"]["v"]: {k: f["v"] for k, f in r["fields"].items()}
        for r in server_records(page.context, server_url, "medication")
    }
    assert set(on_server) == {"Sertraline", "Aripiprazole"}
    for name, values in medications(page).items():
        for field in (
            "name",
            "dose",
            "unit",
            "role",
            "as_needed",
            "schedule_note",
            "started_on",
            "stopped_on",
            "stop_reason",
            "augments",
            "notes",
            "dose_changes",
        ):
            assert on_server[name].get(field) == values.get(field), (name, field)
    assert on_server["Aripiprazole"]["augments"] == sertraline_id
    assert len(on_server["Sertraline"]["dose_changes"]) == 2

    # Delete (from its edit form, as for any entry) with undo.
    item(page, "Sertraline").get_by_role("button", name="Edit: Sertraline").click()
    page.get_by_role("dialog", name="Edit: Sertraline").get_by_role("button", name="Delete").click()
    expect(current.locator("li.med")).to_have_count(1)
    assert medications(page)["Sertraline"]["deleted"] is True
    page.locator("#snackbar").get_by_role("button", name="Undo").click()
    expect(current.locator("li.med")).to_have_count(2)
    assert medications(page)["Sertraline"]["deleted"] is False
    expect(item(page, "Aripiprazole")).to_contain_text("Added to Sertraline")


def test_an_earlier_dose_of_a_stopped_medication_keeps_its_name_and_stays_editable(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    ids = page.evaluate(SEED, HISTORY)
    page.evaluate(
        """async (id) => {
      const { openDb } = await import('/js/db.js');
      const { writeRecord } = await import('/js/store.js');
      const { localIso } = await import('/js/time.js');
      await writeRecord(await openDb(), { kind: 'dose',
        values: { medication_id: id, at: localIso(Date.now() - 60000), status: 'taken' } });
    }""",
        ids["Venlafaxine"],
    )
    page.goto(server_url + "/#/today")
    entries = page.locator("#entries")
    expect(entries).to_contain_text("Dose taken: Venlafaxine")
    entries.get_by_role("button", name="Edit: Dose taken: Venlafaxine").click()
    dialog = page.get_by_role("dialog", name="Edit: dose")
    expect(dialog.get_by_role("radio", name="Venlafaxine")).to_be_checked()
    dialog.get_by_label("Amount (optional)").fill("75")
    save(dialog)
    expect(entries).to_contain_text("Dose taken: Venlafaxine 75")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_meds_passes_axe_and_fits_a_phone(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(color_scheme=scheme), server_url)
    page.evaluate(SEED, HISTORY)
    open_meds(page, server_url)
    expect(page.locator("#meds-current li.med")).to_have_count(2)
    expect(page.locator("#meds-past li.med")).to_have_count(1)
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page.locator("main"), f"meds-{scheme}")
    # The dialogs too.
    for button, title in (
        ("Change dose: Sertraline", "Change dose: Sertraline"),
        ("Stop: Sertraline", "Stop: Sertraline"),
        ("Edit: Venlafaxine", "Edit: Venlafaxine"),
    ):
        page.get_by_role("button", name=button).click()
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible()
        assert violations(page) == [], title
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], title
        save_screenshot(page, f"meds-{scheme}-{button.split(':')[0].replace(' ', '-').lower()}")
        dialog.get_by_role("button", name="Close").click()


def test_a_long_name_wraps_on_a_phone(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.evaluate(
        SEED, [{"name": "X" * 120, "dose": 1, "unit": "tablet" * 5, "schedule_note": "Y" * 200}]
    )
    open_meds(page, server_url)
    expect(page.locator("li.med")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_meds_works_offline_after_one_visit(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    first = open_app(context, server_url)
    wait_until(first, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    first.evaluate(SEED, HISTORY[:1])
    first.close()
    context.set_offline(True)
    page = context.new_page()
    open_meds(page, server_url)
    expect(item(page, "Sertraline")).to_contain_text("150 mg · Antidepressant")
    page.get_by_role("button", name="Stop: Sertraline").click()
    page.get_by_role("dialog", name="Stop: Sertraline").get_by_label("It did not help").check()
    save(page.get_by_role("dialog", name="Stop: Sertraline"))
    expect(page.locator("#meds-past")).to_contain_text(re.compile(r"Stopped .*: it did not help"))


def test_screenshot_two_current_one_past(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.evaluate(SEED, HISTORY)
    open_meds(page, server_url)
    expect(page.locator("#meds-past li.med")).to_have_count(1)
    page.evaluate("document.activeElement.blur()")
    path = save_screenshot(page, "meds")
    page.screenshot(path=str(path.with_name("meds-full.png")), full_page=True)


def test_the_quick_add_from_the_dose_form_has_the_new_fields(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.evaluate(SEED, HISTORY[:1])
    page.goto(server_url + "/#/today")
    page.locator("button[data-form=dose]").click()
    page.locator("dialog[open]").get_by_role("button", name="Add a medication").click()
    dialog = page.get_by_role("dialog", name="Add a medication")
    dialog.get_by_label("Name", exact=True).fill("Lithium")
    dialog.get_by_label("When you take it (optional)").fill("Evenings")
    dialog.get_by_label("Started on (optional)").fill("2026-11-01")
    dialog.get_by_label("Added to which medication? (optional)").select_option(label="Sertraline")
    dialog.get_by_label("Notes (optional)").fill("x" * 32769)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text(re.compile(r"^“Notes” is too long"))
    dialog.get_by_label("Notes (optional)").fill("Level checked monthly")
    dialog.get_by_role("button", name="Save").click()
    page.get_by_role("dialog", name="Dose").get_by_role("button", name="Close").click()
    lithium = medications(page)["Lithium"]
    assert {k: lithium.get(k) for k in ("schedule_note", "started_on", "notes")} == {
        "schedule_note": "Evenings",
        "started_on": "2026-11-01",
        "notes": "Level checked monthly",
    }
    assert lithium["augments"] == medications(page)["Sertraline"]["id"]


def test_editing_keeps_a_link_to_a_medication_stopped_since(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    ids = page.evaluate(SEED, HISTORY)
    page.evaluate(
        """async (id) => {
      const { openDb } = await import('/js/db.js');
      const { writeRecord } = await import('/js/store.js');
      const values = { stopped_on: '2026-11-01', stop_reason: 'cost' };
      await writeRecord(await openDb(), { id, values });
    }""",
        ids["Sertraline"],
    )
    open_meds(page, server_url)
    expect(item(page, "Sertraline")).to_contain_text("Stopped 1 Nov 2026: cost")
    item(page, "Aripiprazole").get_by_role("button", name="Edit: Aripiprazole").click()
    dialog = page.get_by_role("dialog", name="Edit: Aripiprazole")
    added_to = dialog.get_by_label("Added to which medication? (optional)")
    expect(added_to).to_have_value(ids["Sertraline"])
    expect(added_to.locator("option:checked")).to_have_text("Sertraline (stopped)")
    expect(added_to.locator("option")).to_have_count(2)  # "—" and Sertraline: Venlafaxine stopped
    dialog.get_by_label("Dose (optional)").fill("5")
    save(dialog)
    aripiprazole = medications(page)["Aripiprazole"]
    assert (aripiprazole["dose"], aripiprazole["augments"]) == (5, ids["Sertraline"])
    expect(item(page, "Aripiprazole")).to_contain_text("Added to Sertraline")
