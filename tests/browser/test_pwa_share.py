"""Share with my clinician (#/share): a link made with the defaults shows once with its QR code,
opens the summary on another device, shows that opening back in the app, and answers 404 once
turned off; below it, the health link for a clinic's system (QR code, copy) and who fetched it;
another device of the same account cannot show the link; offline and signed out the screen
says plainly why no link can be made; notes need check-ins; axe, targets and width."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import save_screenshot
from tests.browser.pwa_support import (
    expect_all_synced,
    finish_checkin,
    new_username,
    open_app,
    sign_in,
    sign_up,
    sync_now,
    tap_mood,
    wait_until,
)
from tests.browser.test_pwa_a11y import TARGETS, violations

pytestmark = pytest.mark.browser

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{22,}$")
QR_LOADED = "(img) => img.complete && img.naturalWidth > 0"
# The colour of a QR image's top-left corner (its margin) as drawn, [r, g, b, a].
CORNER = """(img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return [...ctx.getImageData(1, 1, 1, 1).data];
}"""


def open_share(page: Page, url: str) -> None:
    page.goto(url + "/#/share")
    expect(page.get_by_role("heading", name="Share with my clinician", level=1)).to_be_visible()


def signed_up_with_a_mood(context: BrowserContext, url: str) -> tuple[Page, str]:
    page = open_app(context, url)
    username = new_username()
    sign_up(page, username)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 6)
    finish_checkin(page)
    sync_now(page)
    expect_all_synced(page)
    return page, username


def create_default_link(page: Page) -> str:
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", name="Your link is ready")).to_be_focused()
    link = page.get_by_label("The link").input_value()
    assert LINK.match(link), link
    return link


def the_link(page: Page) -> Any:
    return page.locator("#shares > li").first


def test_a_link_opens_the_summary_shows_the_opening_and_is_gone_once_turned_off(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page, username = signed_up_with_a_mood(context, server_url)
    open_share(page, server_url)
    link = create_default_link(page)
    qr = page.get_by_role("img", name="QR code of the link")
    expect(qr).to_be_visible()
    assert qr.evaluate(QR_LOADED)
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"It works until \d+ \w{3} \d{4}"))
    expect(the_link(page)).to_contain_text(re.compile(r"Active until \d+ \w{3} \d{4} \d\d:\d\d"))
    expect(the_link(page)).to_contain_text("Not opened yet.")
    page.get_by_role("button", name="Copy link").first.click()
    expect(page.locator("#snackbar")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    clinician = new_context().new_page()
    assert clinician.goto(link).status == 200  # type: ignore[union-attr]
    expect(clinician.get_by_role("heading", level=1)).to_contain_text("journal summary")

    page.reload()
    item = the_link(page)
    expect(item).to_contain_text("Opened 1 time.")
    expect(item.locator("ul.steps li")).to_have_text(
        [re.compile(r"^\d+ \w{3} \d{4} \d\d:\d\d on Chrome on Linux$")]
    )
    # This device made the link, so it can give it again; another device of the account cannot.
    expect(item.get_by_role("button", name="Copy link")).to_be_visible()
    other = open_app(new_context(), server_url)
    sign_in(other, username)
    open_share(other, server_url)
    expect(the_link(other)).to_contain_text("The link was shown on the device that made it.")
    expect(the_link(other).get_by_role("button", name="Copy link")).to_have_count(0)

    item.get_by_role("button", name=re.compile("^Turn off link")).click()
    dialog = page.get_by_role("dialog", name="Turn off this link?")
    dialog.get_by_role("button", name="Turn off link").click()
    expect(page.get_by_role("status").filter(has_text="The link is turned off.")).to_be_visible()
    expect(the_link(page)).to_contain_text("Turned off")
    expect(the_link(page).get_by_role("button")).to_have_count(0)
    assert clinician.goto(link).status == 404  # type: ignore[union-attr]
    expect(clinician.get_by_role("heading", level=1)).to_have_text("This link is not available")


def test_the_preview_opens_in_a_new_tab_with_the_chosen_scope(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up_with_a_mood(new_context(), server_url)
    open_share(page, server_url)
    page.get_by_label("Sleep").uncheck()
    preview = page.get_by_role("link", name="Preview what they will see")
    href = preview.get_attribute("href") or ""
    assert "categories=checkin%2Cactivity%2C" in href and "sleep" not in href, href
    with page.context.expect_page() as opened:
        preview.click()
    tab = opened.value
    expect(tab.get_by_role("note")).to_have_text(
        "Preview: this is exactly what your clinician will see."
    )
    # Nothing chosen: said here, and no tab opens with a server error.
    for box in page.locator("fieldset input[type=checkbox]").all():
        if box.is_checked():
            box.uncheck()
    preview.click()
    expect(page.get_by_role("alert")).to_have_text("Please tick at least one thing to share.")
    assert len(page.context.pages) == 2


def test_notes_need_check_ins(server_url: str, new_context: Callable[..., BrowserContext]) -> None:
    page, _ = signed_up_with_a_mood(new_context(), server_url)
    open_share(page, server_url)
    notes = page.get_by_label("Notes you marked to share")
    checkins = page.get_by_label("Check-ins (mood, anxiety, energy)")
    expect(checkins).to_be_checked()
    expect(notes).not_to_be_checked()
    notes.check()
    checkins.uncheck()
    expect(notes).to_be_disabled()
    expect(notes).not_to_be_checked()
    expect(notes).to_have_accessible_description(
        "Notes come with check-ins: only those you marked to include in links."
    )
    checkins.check()
    expect(notes).to_be_enabled()


def test_offline_or_signed_out_the_screen_says_why_and_offers_no_button(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    page = open_app(context, server_url)
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    open_share(page, server_url)
    main = page.get_by_role("main")
    expect(main).to_contain_text("so it needs you signed in.")
    expect(main.get_by_role("link", name="Turn on sync")).to_have_attribute("href", "#/account")
    expect(main.get_by_role("button")).to_have_count(0)
    # Opened once, the screen is on the phone: offline it says what it needs.
    context.set_offline(True)
    page.reload()
    expect(main).to_contain_text("Making or seeing links needs a connection.")
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.get_by_role("heading", name="Your links")).to_be_hidden()


def test_more_and_treatments_lead_here(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("main").get_by_role("link", name="Share with my clinician").click()
    expect(page.get_by_role("heading", name="Share with my clinician", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="More")).to_have_attribute("aria-current", "true")
    page.goto(server_url + "/#/treatments")
    page.get_by_role("link", name="Share with my clinician").click()
    expect(page).to_have_url(re.compile("#/share$"))


def test_the_health_link_is_offered_below_the_link_and_its_fetch_is_listed(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # Dark mode: the QR codes keep their white margin, or a camera cannot read them.
    context = new_context(color_scheme="dark", permissions=["clipboard-read", "clipboard-write"])
    page, _ = signed_up_with_a_mood(context, server_url)
    open_share(page, server_url)
    create_default_link(page)
    made = page.get_by_role("region", name="Your link is ready")
    expect(made).to_contain_text("For your clinic\u2019s system, if it can import health links.")
    link_qr = made.get_by_role("img", name="QR code of the link")
    health_qr = made.get_by_role("img", name="QR code of the health link")
    health_qr.scroll_into_view_if_needed()
    expect(health_qr).to_be_in_viewport()
    for qr in (link_qr, health_qr):
        assert qr.evaluate(QR_LOADED)
        assert qr.evaluate(CORNER) == [255, 255, 255, 255]
    # The link for people stays first and primary; the health link comes after, not primary.
    copy_link = made.get_by_role("button", name="Copy link")
    copy_health = made.get_by_role("button", name="Copy health link")
    expect(copy_link).to_have_class(re.compile(r"\bprimary\b"))
    expect(copy_health).not_to_have_class(re.compile(r"\bprimary\b"))
    box = link_qr.bounding_box()
    health_box = health_qr.bounding_box()
    assert box and health_box and box["y"] + box["height"] <= health_box["y"], (box, health_box)
    copy_health.click()
    expect(page.locator("#snackbar")).to_have_text("Health link copied")
    shlink = page.evaluate("navigator.clipboard.readText()")
    assert shlink.startswith("shlink:/"), shlink
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    save_screenshot(page, "share-health-link")

    # A clinic's system opens the health link the way the SMART Health Links IG says, naming
    # whom it fetches for; the person reads that name as written, never as markup.
    encoded = shlink.removeprefix("shlink:/")
    payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    recipient = "Dr Rivera, <b>Northside</b> Clinic"
    clinic = new_context().request
    answer = clinic.post(payload["url"], data={"recipient": recipient})
    assert answer.status == 200, answer.text()
    assert answer.json()["files"], answer.text()
    page.reload()
    item = the_link(page)
    expect(item).to_contain_text("Opened 1 time.")
    fetched = re.escape(f": health link fetched by {recipient}")
    expect(item.locator("ul.steps li")).to_have_text(
        [re.compile(rf"^\d+ \w{{3}} \d{{4}} \d\d:\d\d{fetched}$")]
    )
    expect(item.locator("b")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_targets_width_and_screenshots(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, _ = signed_up_with_a_mood(new_context(color_scheme=scheme), server_url)
    open_share(page, server_url)
    page.get_by_label("Ask for a code (optional)").fill("4821")
    page.get_by_label("A name for the link (optional)").fill("Dr Okafor, 12 Dec")
    page.evaluate("import('/js/ui.js').then((m) => m.hideSnack())")
    expect(page.locator("#snackbar")).to_be_hidden()
    page.evaluate("scrollTo(0, 0)")
    shot(page, f"share-form-{scheme}")
    shot(page, f"share-form-full-{scheme}", full_page=True)
    found: dict[str, Any] = {}
    for state in ("form", "made"):
        if state == "made":
            create_default_link(page)
            wait_until(page, "document.querySelector('main img')?.naturalWidth > 0")
            page.evaluate("scrollTo(0, 0)")
            shot(page, f"share-made-{scheme}")
            page.get_by_role("heading", name="Your links").scroll_into_view_if_needed()
            shot(page, f"share-list-{scheme}")
        if problems := violations(page):
            found[state] = problems
        small = [t for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]
        if small:
            found[f"{state} targets"] = small
        if page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ):
            found[f"{state} overflow"] = page.evaluate("document.documentElement.scrollWidth")
    assert found == {}
    if scheme == "light":
        page.evaluate("scrollTo(0, 0)")
        shot(page, "share")


def shot(page: Page, name: str, full_page: bool = False) -> None:
    """Into the screenshots folder (docs/screenshots with `TEND_TEST_SCREENSHOTS`)."""
    path = save_screenshot(page, name)
    if full_page:
        page.screenshot(path=str(path), full_page=True)
