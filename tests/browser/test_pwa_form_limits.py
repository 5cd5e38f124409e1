"""Every value a form accepts is accepted by the real server; one just outside is refused in the
form, in plain words. The limits come from the server's own rules (backend/journal/jsrules.py),
so a rule changed on the server changes what this test tries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from backend.journal.jsrules import rules
from tests.browser.pwa_support import (
    go_to,
    new_username,
    open_app,
    open_details,
    server_records,
    sign_up,
    store,
    sync_now,
    wait_until,
)

KINDS = rules()["kinds"]


def limits(kind: str, field: str) -> tuple[list[Any], list[Any]]:
    """Values on the limits (accepted) and just outside them (refused), from the rule."""
    rule = KINDS[kind]["fields"][field]
    if rule["type"] == "int":
        return [rule["min"], rule["max"]], [rule["min"] - 1, rule["max"] + 1, rule["min"] + 0.5]
    if rule["type"] == "number":
        return [rule["min"], rule["max"], 0.5], [rule["min"] - 1, rule["max"] + 0.5]
    if rule["type"] == "text":
        limit = rule.get("maxBytes") or rule["maxLength"]
        refused = ["x" * (limit + 1)]
        if rule.get("pattern") == r"\S":
            refused.append("   ")
        # Three bytes each: as many as fit, in a script other than ASCII.
        return ["x" * limit, "€" * (limit // 3)], refused
    raise AssertionError(f"no limits for {kind}.{field}")


# form -> (record kind, {form field: record field}, required answers as {data-name: value})
FORMS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "activity": ("activity", {"minutes": "minutes"}, {"minutes": "20"}),
    "sleep": ("sleep", {"awakenings": "awakenings", "note": "note"}, {}),
    "alcohol": ("intake", {"amount": "amount", "note": "note"}, {"amount": "1"}),
    "meal": ("intake", {"note": "note"}, {}),
    "effect": ("effect", {"name": "name", "note": "note"}, {"name": "nausea", "severity": "1"}),
    "dose": ("dose", {"amount": "amount", "unit": "unit"}, {}),
    "session": ("session", {"note": "note"}, {"type": "ect"}),
    "lab": ("lab", {"value": "value", "unit": "unit"}, {"test": "tsh", "value": "2.1"}),
    "appointment": ("appointment", {"with": "with", "place": "place"}, {}),
    "measurement": ("measurement", {"unit": "unit"}, {"type": "weight", "value": "70"}),
    "question": ("question", {"text": "text"}, {}),
    "caffeine": ("intake", {"amount": "amount"}, {}),
    "substance": ("intake", {"note": "note"}, {}),
    "medication": (
        "medication",
        {"name": "name", "dose": "dose", "unit": "unit"},
        {"name": "Lithium"},
    ),
}


MORE = {
    "session": "Clinic session",
    "lab": "Lab result",
    "appointment": "Appointment",
    "measurement": "Measurement",
    "question": "Question for my next visit",
    "caffeine": "Caffeine",
    "substance": "Other substance",
}


def open_form(page: Page, form: str) -> Locator:
    if form == "medication":
        page.locator("button[data-form=dose]").click()
        page.locator("dialog[open]").get_by_role("button", name="Add a medication").click()
        expect(page.get_by_role("dialog", name="Add a medication")).to_be_visible()
    elif form in MORE:
        # Two taps from Today: "More…", then the kind of entry.
        page.locator("button[data-form=more]").click()
        page.get_by_role("dialog", name="Log something else").get_by_role(
            "button", name=MORE[form]
        ).click()
    else:
        page.locator(f"button[data-form={form}]").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    return dialog


def fill(dialog: Locator, answers: dict[str, Any]) -> None:
    for name, value in answers.items():
        control = dialog.locator(f'[data-name="{name}"]')
        if control.first.get_attribute("type") == "radio":
            dialog.locator(f'[data-name="{name}"][value="{value}"]').check()
        elif control.first.evaluate("(el) => el.tagName") == "SELECT":
            control.select_option(str(value))
        else:
            control.fill(str(value))


def save(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Save").click()


def signed_up_with_a_medication(new_context: Callable[..., BrowserContext], url: str) -> Page:
    page = open_app(new_context(), url)
    sign_up(page, new_username())
    page.evaluate("""async () => {
      const { openDb } = await import('/js/db.js');
      const { writeRecord } = await import('/js/store.js');
      const values = { name: 'Sertraline', dose: 50, unit: 'mg' };
      await writeRecord(await openDb(), { kind: 'medication', values });
    }""")
    page.get_by_role("link", name="Today").click()
    return page


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_accepts_exactly_what_the_server_accepts(
    form: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    kind, fields, required = FORMS[form]
    page = signed_up_with_a_medication(new_context, server_url)
    saved = 0
    for form_field, record_field in fields.items():
        accepted, refused = limits(kind, record_field)
        for value in refused:
            dialog = open_form(page, form)
            fill(dialog, {**required, form_field: value})
            save(dialog)
            # Refused in the form, in words a person reads: never a field name or "undefined".
            alert = dialog.get_by_role("alert")
            expect(alert).to_have_text(re.compile(r"^(“|Please)"))
            assert not re.search(r"undefined|_|ISO", alert.inner_text()), alert.inner_text()
            dialog.get_by_role("button", name="Close").click()
            expect(dialog).to_have_count(0)
        for value in accepted:
            dialog = open_form(page, form)
            fill(dialog, {**required, form_field: value})
            save(dialog)
            if form == "medication":
                # Added from the dose form, a new medication goes straight on to its dose.
                dose = page.get_by_role("dialog", name="Dose")
                dose.get_by_role("button", name="Close").click()
            expect(dialog).to_have_count(0)
            saved += 1
    sync_now(page)
    assert store(page, "dead_letter") == []
    assert store(page, "outbox") == []
    on_server = server_records(page.context, server_url, kind)
    # The medication made for the dose form is one more medication on the server.
    assert len(on_server) == saved + (1 if kind == "medication" else 0)


def test_event_times_on_the_edge_of_tomorrow(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = signed_up_with_a_medication(new_context, server_url)
    soon, too_late, tomorrow, after = page.evaluate("""async () => {
      const { localIso, localDate, addDays } = await import('/js/time.js');
      const now = Date.now();
      return [localIso(now + 23 * 3600000).slice(0, 16), localIso(now + 25 * 3600000).slice(0, 16),
        addDays(localDate(now), 1), addDays(localDate(now), 2)];
    }""")
    dialog = open_form(page, "activity")
    fill(dialog, {"minutes": "5", "at": too_late})
    save(dialog)
    expect(dialog.get_by_role("alert")).to_contain_text("more than a day in the future")
    fill(dialog, {"at": soon})
    save(dialog)
    expect(dialog).to_have_count(0)
    dialog = open_form(page, "sleep")
    fill(dialog, {"night_of": after})
    save(dialog)
    expect(dialog.get_by_role("alert")).to_contain_text("more than a day in the future")
    fill(dialog, {"night_of": tomorrow})
    save(dialog)
    expect(dialog).to_have_count(0)
    sync_now(page)
    assert store(page, "dead_letter") == []
    assert len(server_records(page.context, server_url, "activity")) == 1
    assert len(server_records(page.context, server_url, "sleep")) == 1


def test_safety_plan_fields_hold_what_the_server_holds(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = signed_up_with_a_medication(new_context, server_url)
    (limit,) = {rule["maxBytes"] for rule in KINDS["safety_plan"]["fields"].values()}
    page.goto(server_url + "/#/plan")
    coping = page.get_by_label("Things I can do on my own to cope")
    coping.fill("x" * (limit + 1))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("is too long")
    expect(page.get_by_role("heading", level=1)).to_have_text("My safety plan")
    coping.fill("€" * (limit // 3))
    page.get_by_label("People I can ask for help").fill("y" * limit)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    sync_now(page)
    assert store(page, "dead_letter") == []
    [plan] = server_records(page.context, server_url, "safety_plan")
    assert plan["fields"]["people_to_ask"]["v"] == "y" * limit


def test_every_country_choice_is_stored_by_the_server(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = signed_up_with_a_medication(new_context, server_url)
    page.goto(server_url + "/#/help")
    select = page.get_by_label("Your country")
    expect(select.locator("option")).not_to_have_count(0)
    codes = [
        o for o in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)") if o
    ]
    assert "ZZ" in codes
    for code in codes:
        select.select_option(code)
        sync_now(page)
        assert store(page, "dead_letter") == [], code
        [profile] = server_records(page.context, server_url, "profile")
        assert profile["fields"]["country"]["v"] == code


def test_a_routine_name_and_follow_up_within_the_server_limits(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = signed_up_with_a_medication(new_context, server_url)
    title = KINDS["routine"]["fields"]["title"]["maxLength"]
    follow = KINDS["routine"]["fields"]["follow_up_minutes"]["max"]
    go_to(page, "Routines")
    for name, minutes, ok in (
        ("n" * (title + 1), 10, False),
        ("n" * title, follow + 1, False),
        ("n" * title, follow, True),
    ):
        page.get_by_role("button", name=re.compile("^(Add|New) (a )?routine")).first.click()
        dialog = page.locator("dialog[open]")
        fill(dialog, {"title": name, "follow_up_minutes": minutes})
        save(dialog)
        if ok:
            expect(dialog).to_have_count(0)
        else:
            expect(dialog.get_by_role("alert")).to_have_text(re.compile(r"^“"))
            dialog.get_by_role("button", name="Close").click()
    sync_now(page)
    assert store(page, "dead_letter") == []
    [routine] = server_records(page.context, server_url, "routine")
    assert routine["fields"]["follow_up_minutes"]["v"] == follow


def test_a_check_in_note_on_today_is_saved_only_within_the_limit(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = signed_up_with_a_medication(new_context, server_url)
    limit = KINDS["checkin"]["fields"]["note"]["maxBytes"]
    page.get_by_role("button", name="Mood 4 out of 10").click()
    open_details(page)
    note = page.locator("#details").get_by_label("Note (optional)")
    note.fill("z" * (limit + 1))
    note.dispatch_event("change")
    problem = page.locator("#details .error")
    expect(problem).to_contain_text("“Note” is too long")
    note.fill("z" * limit)
    note.dispatch_event("change")
    expect(problem).to_be_empty()
    wait_until(page, "document.getElementById('mood-saved').textContent.startsWith('Saved')")
    page.get_by_role("button", name="Done").click()
    expect(page.locator("#snackbar")).to_contain_text("Check-in saved")
    sync_now(page)
    assert store(page, "dead_letter") == []
    [checkin] = server_records(page.context, server_url, "checkin")
    assert len(checkin["fields"]["note"]["v"]) == limit
