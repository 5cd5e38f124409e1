"""History (#/history): the month calendar marks the days with entries and opens each day's list;
the trends say in words and tables the numbers that were logged; axe in light and dark, no
sideways scrolling on a 320 px phone, and the screen works offline after one visit."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, save_screenshot
from tests.browser.pwa_support import open_app, tap_mood, wait_until
from tests.browser.test_pwa_a11y import violations

SEED = """async (entries) => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const db = await openDb();
  for (const { kind, values } of entries) await writeRecord(db, { kind, values });
}"""

# The device's local date `days` from today, and a local time on it with the device's offset.
DAY = """async (days) => {
  const { addDays, localDate } = await import('/js/time.js');
  return addDays(localDate(), days);
}"""
AT = """async ([days, clock]) => {
  const { addDays, fromLocalInput, localDate } = await import('/js/time.js');
  return fromLocalInput(`${addDays(localDate(), days)}T${clock}`);
}"""

NARROW = {"width": 320, "height": 640}
DAY_AFTER = "Day after \u203a"


def day(page: Page, days: int) -> str:
    value: str = page.evaluate(DAY, days)
    return value


def at(page: Page, days: int, clock: str) -> str:
    value: str = page.evaluate(AT, [days, clock])
    return value


def day_name(date: str) -> str:
    """'3 December' for 2026-12-03, as the calendar names its days."""
    months = "January February March April May June July August September October November December"
    return f"{int(date[8:])} {months.split()[int(date[5:7]) - 1]}"


def log_form(page: Page, form: str, fields: dict[str, str]) -> None:
    """Log from one of Today's quick forms, filling the labelled fields, and wait for "Saved"."""
    page.locator(f"button[data-form={form}]").click()
    dialog = page.locator("dialog[open]")
    for label, value in fields.items():
        dialog.get_by_label(label, exact=True).fill(value)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#snackbar")).to_contain_text("Saved")


def seed_a_month(page: Page) -> None:
    """A month of varied entries: what the trends have to describe."""
    entries: list[dict[str, Any]] = []
    for back, clock, mood in [(1, "09:00", 3), (1, "21:00", 5), (2, "09:00", 5), (4, "09:00", 6)]:
        entries.append({"kind": "checkin", "values": {"at": at(page, -back, clock), "mood": mood}})
    entries.append({"kind": "checkin", "values": {"at": at(page, -9, "09:00"), "mood": 4}})
    for back, bed, wake in [(2, "23:00", "06:30"), (3, "22:30", "06:00")]:
        values = {"night_of": day(page, -back), "bed_at": at(page, -back, bed)}
        values["wake_at"] = at(page, 1 - back, wake)
        entries.append({"kind": "sleep", "values": values})
    answers = [2, 2, 1, 1, 1, 1, 1, 1, 0]
    entries.append(
        {
            "kind": "assessment",
            "values": {"at": at(page, -5, "10:00"), "instrument": "phq9", "answers": answers},
        }
    )
    entries.append(
        {"kind": "intake", "values": {"at": at(page, -2, "20:00"), "kind": "alcohol", "amount": 3}}
    )
    page.evaluate(SEED, entries)


def open_history(page: Page, url: str, route: str = "", *, calendar: bool | None = None) -> None:
    """Go to a History route and wait until its screen is drawn with its data.

    Only the hash changes between routes, so the old screen is still there for a moment.
    """
    page.goto(f"{url}/#/history{route}")
    if calendar is None:
        calendar = not re.fullmatch(r"/\d{4}-\d{2}-\d{2}", route)
    heading = expect(page.get_by_role("heading", level=1))
    if calendar:
        heading.to_have_text("History")
        expect(page.locator("section.trend")).to_have_count(5)
    else:
        heading.not_to_have_text("History")
        expect(page.locator("#entries li").first).to_be_visible()


def calendar_day(page: Page, date: str) -> Any:
    return page.locator(f'table.calendar a[href="#/history/{date}"]')


def test_a_back_dated_entry_shows_on_its_day_and_a_deleted_one_does_not(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    three_ago = day(page, -3)
    yesterday = day(page, -1)
    log_form(page, "activity", {"Minutes": "25", "When": f"{three_ago}T10:15"})
    log_form(page, "alcohol", {"Standard drinks": "2", "When": f"{yesterday}T20:00"})

    # The calendar of the month the entry is in (three days ago may be last month).
    open_history(page, server_url, f"/{three_ago[:7]}")
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    marked = calendar_day(page, three_ago)
    expect(marked).to_have_attribute("aria-label", f"{day_name(three_ago)}, 1 entry")
    expect(marked.locator(".mark")).to_be_visible()
    empty = calendar_day(page, day(page, -2))
    expect(empty).to_have_attribute("aria-label", day_name(day(page, -2)))
    expect(empty.locator(".mark")).to_have_count(0)

    marked.click()
    expect(page).to_have_url(re.compile(rf"#/history/{three_ago}$"))
    expect(page.locator("#entries")).to_contain_text("Movement: 25 min")
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # Two days on is yesterday, with the drink; deleting it there empties the day and its mark.
    page.get_by_role("link", name=DAY_AFTER).click()
    page.get_by_role("link", name=DAY_AFTER).click()
    expect(page).to_have_url(re.compile(rf"#/history/{yesterday}$"))
    page.get_by_role("button", name="Delete: Alcohol: 2 standard drinks").click()
    expect(page.locator("#entries")).to_have_text("Nothing logged on this day.")
    page.get_by_role("link", name=re.compile(r"^Back to the calendar")).click()
    expect(page).to_have_url(re.compile(rf"#/history/{yesterday[:7]}$"))
    gone = calendar_day(page, yesterday)
    expect(gone).to_have_attribute("aria-label", day_name(yesterday))
    expect(gone.locator(".mark")).to_have_count(0)


def test_the_month_buttons_move_the_calendar_and_today_is_marked(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    today = day(page, 0)
    open_history(page, server_url)
    expect(calendar_day(page, today)).to_have_attribute("aria-current", "date")
    heading = page.locator(".cal-head h2")
    shown = heading.inner_text()
    page.locator("button[data-move='-1']").click()
    expect(heading).not_to_have_text(shown)
    expect(calendar_day(page, today)).to_have_count(0)
    # The address follows, so a day's "Back to the calendar" returns to the month left.
    assert not page.url.endswith("#/history")
    page.locator("button[data-move='1']").click()
    expect(heading).to_have_text(shown)
    expect(calendar_day(page, today)).to_have_attribute("aria-current", "date")


def test_a_date_that_does_not_exist_shows_its_month(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    open_history(page, server_url, "/2027-02-30", calendar=True)
    expect(page.locator(".cal-head h2")).to_have_text("February 2027")
    open_history(page, server_url, "/nonsense")
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    expect(calendar_day(page, day(page, 0))).to_be_visible()
    # The older day route from Today still works.
    page.goto(f"{server_url}/#/day/{day(page, -1)}")
    expect(page.get_by_role("link", name="Today \u203a")).to_be_visible()


def test_the_trends_say_the_numbers_that_were_logged(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # A zone far from UTC: each entry's day is the date written in it, on the device's clock.
    page = open_app(new_context(timezone_id="Pacific/Auckland"), server_url)
    tap_mood(page, 7)
    log_form(page, "activity", {"Minutes": "40", "When": f"{day(page, -2)}T07:30"})
    seed_a_month(page)
    open_history(page, server_url)
    trend = page.locator("section.trend")

    # Moods 3 and 5 yesterday average 4; with 5, 6, 4 and today's 7: five days, mean 5.2.
    mood = trend.filter(has=page.get_by_role("heading", name="Mood"))
    expect(mood.locator("figcaption")).to_contain_text(
        "Mood logged on 5 of 30 days: average 5.2 out of 10, lowest 4, highest 7."
    )
    mood.get_by_text("Mood in numbers").click()
    expect(mood.locator("table tbody tr")).to_have_count(5)
    # Oldest first: 9, 4, 2 and 1 days ago, then today; yesterday had two check-ins.
    averages = mood.locator("tbody td:nth-child(2)").all_inner_texts()
    counts = mood.locator("tbody td:nth-child(3)").all_inner_texts()
    assert list(zip(averages, counts, strict=True)) == [
        ("4", "1"),
        ("6", "1"),
        ("5", "1"),
        ("4", "2"),
        ("7", "1"),
    ]

    sleep = trend.filter(has=page.get_by_role("heading", name="Sleep"))
    expect(sleep.locator("figcaption")).to_contain_text(
        "Sleep logged for 2 nights: average 7.5 hours, shortest 7.5, longest 7.5."
    )
    phq9 = trend.filter(has=page.get_by_role("heading", name="PHQ-9"))
    expect(phq9.locator("figcaption")).to_contain_text(re.compile(r"One PHQ-9: 10 \(moderate\)"))
    expect(phq9.locator("svg .band-label")).to_have_count(5)
    movement = trend.filter(has=page.get_by_role("heading", name="Movement"))
    expect(movement.locator("figcaption")).to_contain_text("40 minutes in all")
    alcohol = trend.filter(has=page.get_by_role("heading", name="Alcohol"))
    expect(alcohol.locator("figcaption")).to_contain_text(re.compile(r"^3 standard drinks over"))

    page.get_by_label("90 days").check()
    expect(mood.locator("figcaption")).to_contain_text("Mood logged on 5 of 90 days")


def test_with_nothing_logged_each_trend_is_one_plain_sentence(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    open_history(page, server_url)
    expect(page.locator("section.trend svg")).to_have_count(0)
    expect(page.locator("section.trend p.empty")).to_have_text(
        [
            "No mood logged in the last 30 days.",
            "No sleep logged in the last 30 days.",
            "No PHQ-9 done in the last 30 days.",
            "No movement logged in the last 30 days.",
            "No alcohol logged in the last 30 days.",
        ]
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_history_and_a_day_pass_axe(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(color_scheme=scheme), server_url)
    seed_a_month(page)
    found = {}
    for route in ["", f"/{day(page, -1)}"]:
        open_history(page, server_url, route)
        # The tables too: axe checks what is open.
        for summary in page.locator("details.chart-data summary").all():
            summary.click()
        if problems := violations(page):
            found[route or "calendar"] = problems
    assert found == {}


@pytest.mark.parametrize("size", [NARROW, PHONE], ids=["320", "390"])
def test_no_sideways_scrolling_and_days_big_enough_to_tap(
    size: dict[str, int], server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(viewport=size), server_url)
    seed_a_month(page)
    for route in ["", f"/{day(page, -1)}"]:
        open_history(page, server_url, route)
        for summary in page.locator("details.chart-data summary").all():
            summary.click()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], route
    open_history(page, server_url)
    sizes = page.evaluate(
        "[...document.querySelectorAll('table.calendar a')].map((a) => a.getBoundingClientRect())"
        ".map((r) => [r.width, r.height])"
    )
    assert sizes
    assert all(w >= 44 and h >= 44 for w, h in sizes), sizes


def test_history_works_offline_after_one_visit(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    first = open_app(context, server_url)
    wait_until(first, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    seed_a_month(first)
    yesterday = day(first, -1)
    first.close()
    context.set_offline(True)
    page = context.new_page()
    open_history(page, server_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    # Two check-ins, and the night before it (a night is listed on the day of waking).
    expect(calendar_day(page, yesterday)).to_have_attribute(
        "aria-label", f"{day_name(yesterday)}, 3 entries"
    )
    expect(page.locator("figure[data-chart=mood] figcaption")).to_contain_text("Mood logged on 4")
    calendar_day(page, yesterday).click()
    expect(page.locator("#entries")).to_contain_text("Mood 3")


@pytest.mark.parametrize(
    ("scheme", "size"),
    [("light", PHONE), ("dark", PHONE), ("light", NARROW)],
    ids=["light", "dark", "light-320"],
)
def test_screenshot_history(
    scheme: str,
    size: dict[str, int],
    server_url: str,
    new_context: Callable[..., BrowserContext],
) -> None:
    page = open_app(new_context(color_scheme=scheme, viewport=size), server_url)
    seed_a_month(page)
    open_history(page, server_url)
    expect(page.locator("figure[data-chart=phq9]")).to_be_visible()
    page.evaluate("document.activeElement.blur()")
    name = f"history-{scheme}-{size['width']}"
    path = save_screenshot(page, name)
    page.screenshot(path=str(path.with_name(f"{name}-full.png")), full_page=True)
    page.locator("section.trend").first.screenshot(path=str(path.with_name(f"{name}-mood.png")))
    open_history(page, server_url, f"/{day(page, -1)}")
    save_screenshot(page, f"{name}-day")


# A year of a busy journal: 8 records a day, about 3,000 in all.
SEED_YEAR = """async () => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const { localIso } = await import('/js/time.js');
  const db = await openDb();
  const now = Date.now();
  const writes = [];
  for (let d = 365; d >= 1; d--) {
    const at = (h) => localIso(now - d * 86400000 + h * 3600000);
    for (let k = 0; k < 5; k++) {
      writes.push({ kind: 'checkin', values: { at: at(-k), mood: (d + k) % 11 } });
    }
    writes.push({ kind: 'activity', values: { at: at(-6), minutes: 20 } });
    writes.push({ kind: 'intake', values: { at: at(-7), kind: 'alcohol', amount: 1 } });
    writes.push({ kind: 'effect', values: { at: at(-8), name: 'nausea', severity: 1 } });
  }
  await Promise.all(writes.map((w) => writeRecord(db, w)));
  return writes.length;
}"""

TIME_HISTORY = """async () => {
  const started = performance.now();
  location.hash = '#/history';
  const drawn = () => document.querySelector('figure[data-chart=mood]');
  while (!drawn()) await new Promise(requestAnimationFrame);
  return performance.now() - started;
}"""


def test_a_year_of_entries_opens_quickly(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    assert page.evaluate(SEED_YEAR) == 2920
    page.goto(f"{server_url}/#/history")
    page.get_by_label("A year").check()
    page.goto(f"{server_url}/#/today")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    ms = page.evaluate(TIME_HISTORY)
    print(f"history with a year of entries: {ms:.0f} ms")
    # The year chosen before stays chosen; 1 to 365 days ago, and the first is outside it.
    mood = page.locator("figure[data-chart=mood] figcaption")
    expect(mood).to_contain_text("Mood logged on 364 of 365 days")
    # Generous for a shared 2-core machine; a phone is several times slower than this one.
    assert ms < 1500
