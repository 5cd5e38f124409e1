"""Every other kind of entry is two taps from Today, and the person's own tags come back."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.pwa_support import (
    finish_checkin,
    new_username,
    open_app,
    open_details,
    server_records,
    sign_up,
    sync_now,
    tap_mood,
)


def test_a_clinic_session_and_a_lab_result_reach_the_server(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    sign_up(page, new_username())
    page.get_by_role("link", name="Today").click()
    page.get_by_role("button", name="More…").click()
    page.get_by_role("dialog", name="Log something else").get_by_role(
        "button", name="Clinic session"
    ).click()
    dialog = page.get_by_role("dialog", name="Clinic session")
    dialog.get_by_label("What kind of session?").select_option("esketamine")
    dialog.get_by_label("Blood pressure before, like 120/80 (optional)").fill("135/85")
    dialog.get_by_label("Blood pressure after (optional)").fill("150/90")
    dialog.get_by_role("group", name="Dissociation (optional)").get_by_role(
        "radio", name="4"
    ).check()
    felt = dialog.get_by_role("group", name="How did you feel after? (optional)")
    felt.get_by_role("radio", name="6").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#entries")).to_contain_text("Clinic session: Esketamine, felt 6/10 after")

    page.get_by_role("button", name="More…").click()
    page.get_by_role("dialog", name="Log something else").get_by_role(
        "button", name="Measurement"
    ).click()
    dialog = page.get_by_role("dialog", name="Measurement")
    dialog.get_by_label("What did you measure?").select_option("blood_pressure")
    dialog.get_by_label("Value (blood pressure like 120/80)").fill("128/82")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    sync_now(page)
    [session] = server_records(page.context, server_url, "session")
    got = {k: f["v"] for k, f in session["fields"].items() if not k.startswith("_")}
    assert {k: got[k] for k in ("type", "bp_before", "bp_after", "dissociation", "felt_after")} == {
        "type": "esketamine",
        "bp_before": "135/85",
        "bp_after": "150/90",
        "dissociation": 4,
        "felt_after": 6,
    }
    [measured] = server_records(page.context, server_url, "measurement")
    assert measured["fields"]["value"]["v"] == "128/82"


def test_my_own_tags_come_back_first(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    tap_mood(page, 6)
    open_details(page)
    details = page.locator("#details")
    details.get_by_label("Other").fill("Choir")
    details.get_by_role("button", name="Add").click()
    finish_checkin(page)
    page.reload()
    tap_mood(page, 7)
    open_details(page)
    chips = page.locator("#details .chip")
    expect(chips.first).to_have_text("Choir")
