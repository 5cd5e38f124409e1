"""Issue 13's "done means": the clinician opens the summary of the demo journal in Chromium.

A fresh account receives the generated demo journal through the real sync API and shares it
with every category, notes included; a clinician (a browser without the person's cookie) opens
the link. Every number the page shows must be the insights API's for the same period; the
sections come in sharing.md's order, safety first; the page prints on at most two A4 pages,
reads the same with JavaScript off and fits a phone. The README's screenshot is made here.

The numbers are equal only when scoping leaves out nothing the insights use: a trial started
before the period takes its baseline PHQ-9 from before it, which the insights API reads and a
share must not show. So both periods here start on or before the journal's first PHQ-9.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from backend.demo.account import DEMO_SEED, DEMO_TZ, PUSH_BATCH
from backend.demo.generator import GeneratedRecord, generate_journal, to_changes
from backend.sharing.render import SESSION_WORDS, day_text
from backend.sharing.scope import CATEGORIES
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.browser.pwa_support import PASSPHRASE, new_username
from tests.conftest import PG_URL, backends, make_test_settings
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

DEMO_DAYS = 120  # `python -m backend demo`'s default
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE_SIZE: ViewportSize = {"width": PHONE["width"], "height": PHONE["height"]}
SECTIONS = ["safety", "symptoms", "treatment", "side-effects", "daily-life", "referral", "notes"]
# Fields whose value is a day or a moment, for the journal's first and last day.
DAY_FIELDS = ("at", "night_of", "on", "started_on", "stopped_on")

# What the page shows, read from its stable hooks: section ids, the trials table's
# data-label cells, the clinic courses and the daily-life list.
READ_PAGE = """() => {
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : null);
  const all = (sel) => [...document.querySelectorAll(sel)];
  return {
    sections: all('main > section').map((s) => s.id),
    headings: all('main > section h2').map(text),
    facts: all('header .facts span').map(text),
    symptoms: text(document.querySelector('#symptoms > p')),
    trials: all('table.trials tbody tr').map((row) => ({
      name: row.querySelector('th').firstChild.textContent.trim(),
      cells: Object.fromEntries(
        [...row.querySelectorAll('td')].map((td) => [td.dataset.label, text(td)])),
    })),
    courses: all('#treatment .course > p:first-child').map(text),
    effects: all('#side-effects li').map(text),
    life: Object.fromEntries(
      all('#daily-life dt').map((dt) => [text(dt), text(dt.nextElementSibling)])),
    referral: all('#referral li').map(text),
    item9: all('#safety ul.item9 li').map(text),
    safety: text(document.querySelector('#safety')),
  };
}"""


@dataclass(frozen=True)
class Link:
    """A share of the demo journal: the clinician's path, its period and the insights API's
    answer for the same period."""

    server_url: str
    path: str
    period: tuple[date, date]
    insights: dict[str, Any]


@dataclass(frozen=True)
class Shared:
    """Two links to one person's demo journal. `whole`: from the first day any record names
    (a medication started and stopped months before the first entry) to the last, so every
    record is in scope. `logged`: the DEMO_DAYS days with entries, as a person would share
    their last few months; the README shows it."""

    whole: Link
    logged: Link


def journal_days(records: list[GeneratedRecord]) -> tuple[date, date]:
    """The first and last local day any record names (a medication started before the
    journal's first logged day counts: its whole trial is in the share)."""
    days = [
        date.fromisoformat(str(record.values[name])[:10])
        for record in records
        for name in DAY_FIELDS
        if record.values.get(name)
    ]
    return min(days), max(days)


def records_start(records: list[GeneratedRecord]) -> date:
    """The journal's first day: its baseline PHQ-9 (the generator asks one on day one)."""
    return min(
        date.fromisoformat(r.values["at"][:10])
        for r in records
        if r.kind == "assessment" and r.values["instrument"] == "phq9"
    )


def push_demo(person: BrowserContext, url: str) -> list[GeneratedRecord]:
    """Sign up and push the demo journal as `python -m backend demo` makes it: DEMO_DAYS days
    ending yesterday in the demo's zone, through POST /api/v1/sync in batches of PUSH_BATCH."""
    device = str(uuid.uuid4())
    signup = person.request.post(
        url + "/api/v1/auth/signup",
        data={"username": new_username(), "passphrase": PASSPHRASE, "device_id": device,
              "device_name": "Demo data"},
    )  # fmt: skip
    assert signup.ok, signup.text()
    start = datetime.now(ZoneInfo(DEMO_TZ)).date() - timedelta(days=DEMO_DAYS)
    records = generate_journal(start=start, days=DEMO_DAYS, tz=DEMO_TZ, seed=DEMO_SEED)
    changes = to_changes(records, device, int(time.time() * 1000))
    for first in range(0, len(changes), PUSH_BATCH):
        batch = changes[first : first + PUSH_BATCH]
        body = {"protocol": 1, "device_id": device, "schema_version": 1, "cursor": 0,
                "epoch": None, "changes": batch, "pull_limit": 1}  # fmt: skip
        res = person.request.post(url + "/api/v1/sync", data=body)
        assert res.ok, res.text()
        assert [r for r in res.json()["results"] if r["status"] != "applied"] == []
    return records


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> str | None:
    """The session's PostgreSQL database, made before this module's browser starts (its setup
    calls asyncio.run, which cannot run inside Playwright's event loop)."""
    return str(request.getfixturevalue("pg_database")) if PG_URL else None


@pytest.fixture(scope="module", params=backends())
def shared(
    request: pytest.FixtureRequest,
    postgres_url: str | None,
    sqlite_template: Path,
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shared]:
    """One server (per backend) and two shares for the whole module: seeding is the slow part."""
    if request.param == "postgres":
        assert postgres_url is not None
        database, var_dir = postgres_url, tmp_path_factory.mktemp("var")
    else:
        folder = tmp_path_factory.mktemp("share-summary")
        (folder / "tend.sqlite3").write_bytes(sqlite_template.read_bytes())
        database, var_dir = f"sqlite:///{folder / 'tend.sqlite3'}", folder / "var"
    settings = make_test_settings(database, var_dir=str(var_dir))
    with LiveServer(settings) as server:
        person = browser.new_context()
        try:
            records = push_demo(person, server.url)
            first, last = journal_days(records)
            yield Shared(
                whole=make_link(person, server.url, (first, last)),
                logged=make_link(person, server.url, (records_start(records), last)),
            )
        finally:
            person.close()


def make_link(person: BrowserContext, url: str, period: tuple[date, date]) -> Link:
    """A share of `period` with every category, notes included, and the insights of it."""
    dates: dict[str, str | float | bool] = {
        "from": period[0].isoformat(),
        "to": period[1].isoformat(),
    }
    created = person.request.post(
        url + "/api/v1/shares",
        data={**dates, "categories": list(CATEGORIES), "expires_in_days": 14},
    )
    assert created.status == 201, created.text()
    insights = person.request.get(url + "/api/v1/insights", params=dates)
    assert insights.ok, insights.text()
    path = "/s/" + created.json()["url"].rsplit("/s/", 1)[1]
    return Link(url, path, period, insights.json())


def open_summary(context: BrowserContext, link: Link) -> Page:
    page = context.new_page()
    response = page.goto(link.server_url + link.path)
    assert response is not None and response.status == 200
    return page


def num(text: str) -> float | None:
    """A number as the page prints it ("12", "7.3", "+12.5"); the dash means no data."""
    text = text.strip().rstrip("%").strip()
    return None if text in ("—", "") else float(text)


def first_number(text: str) -> float | None:
    """The number a cell starts with ("6.9 (225)" -> 6.9), None for a dash."""
    found = re.match(r"\s*([+-]?\d+(?:\.\d+)?|—)", text)
    assert found, text
    return num(found.group(1))


def change_pct(first: int, last: int) -> float | None:
    return None if first == 0 else round(100 * (last - first) / first, 1)


def check_header_and_symptoms(shown: dict[str, Any], api: dict[str, Any]) -> None:
    [completeness] = [f for f in shown["facts"] if f.startswith("Days with any entry:")]
    assert num(completeness.split(":", 1)[1]) == api["completeness_pct"]
    phq9 = api["phq9"]
    assert len(phq9) >= 2, "the demo journal has a PHQ-9 every two weeks"
    found = re.search(
        r"PHQ-9 \((\d+)\): baseline (\d+) \(.+?\), latest (\d+) \(.+?, ([\w ]+)\), "
        r"change ([+-]\d+\.\d|—)%?",
        shown["symptoms"],
    )
    assert found, shown["symptoms"]
    count, baseline, latest, band, change = found.groups()
    assert (int(count), int(baseline), int(latest)) == (
        len(phq9), phq9[0]["total"], phq9[-1]["total"]
    )  # fmt: skip
    assert band == phq9[-1]["band"]
    assert num(change) == change_pct(phq9[0]["total"], phq9[-1]["total"])


def check_trials(shown: dict[str, Any], api: dict[str, Any]) -> None:
    assert [t["name"] for t in shown["trials"]] == [t["name"] for t in api["trials"]]
    assert len(api["trials"]) >= 4, "Citalopram, Sertraline, Venlafaxine XL, Aripiprazole..."
    for row, trial in zip(shown["trials"], api["trials"], strict=True):
        cells, name = row["cells"], trial["name"]
        assert first_number(cells["Weeks at highest"]) == trial["weeks_at_max_dose"], name
        assert num(cells["Adherence"]) == trial["adherence_pct"], name
        found = re.fullmatch(r"(\d+|—)→(\d+|—) \(([+-]\d+\.\d%|—)\)", cells["PHQ-9"])
        assert found, (name, cells["PHQ-9"])
        start, latest, change = (num(g) for g in found.groups())
        assert (start, latest, change) == (
            trial["phq9_start"], trial["phq9_latest"], trial["phq9_change_pct"]
        ), name  # fmt: skip
    assert any(t["adherence_pct"] is not None for t in api["trials"])
    assert any(t["phq9_change_pct"] is not None for t in api["trials"])


def check_sessions_and_effects(shown: dict[str, Any], api: dict[str, Any]) -> None:
    counts = {}
    for line in shown["courses"]:
        found = re.match(r"(.+?): (\d+) sessions?, ", line)
        assert found, line
        counts[found.group(1)] = int(found.group(2))
    assert api["sessions"], "the demo journal has esketamine sessions"
    assert counts == {SESSION_WORDS[k]: course["count"] for k, course in api["sessions"].items()}
    groups = [re.match(r"(.+?) \((\d+), strongest ", line) for line in shown["effects"]]
    assert all(groups), shown["effects"]
    assert [(g.group(1), int(g.group(2))) for g in groups if g] == [
        (e["name"] or "Not linked to a shared medication", e["count"]) for e in api["side_effects"]
    ]


def check_daily_life(shown: dict[str, Any], api: dict[str, Any]) -> None:
    life = shown["life"]
    sleep = re.fullmatch(
        r"([\d.]+) h a night on average \((\d+) nights\); bedtime varies by ([\d.]+) min \(SD\); "
        r"(\d+) nights under 6 h\.",
        life["Sleep"],
    )
    assert sleep, life["Sleep"]
    facts = api["sleep"]
    assert [num(g) for g in sleep.groups()] == [
        facts["avg_hours"], facts["nights"], facts["bedtime_sd_minutes"], facts["nights_under_6h"]
    ]  # fmt: skip
    movement = re.fullmatch(
        r"([\d.]+) min a day on average; activity on (\d+) days\.", life["Movement"]
    )
    assert movement, life["Movement"]
    assert [num(g) for g in movement.groups()] == [
        api["activity"]["avg_minutes_per_day"], api["activity"]["days_with_activity"]
    ]  # fmt: skip
    alcohol = re.fullmatch(
        r"([\d.]+) standard drinks a week on average; alcohol on (\d+) days\.", life["Alcohol"]
    )
    assert alcohol, life["Alcohol"]
    assert [num(g) for g in alcohol.groups()] == [
        api["alcohol"]["avg_drinks_per_week"], api["alcohol"]["days_with_alcohol"]
    ]  # fmt: skip
    meals = re.fullmatch(r"([\d.]+) a day on the (\d+) days with meals logged\.", life["Meals"])
    assert meals, life["Meals"]
    assert [num(g) for g in meals.groups()] == [
        api["meals"]["avg_per_day"], api["meals"]["days_logged"]
    ]  # fmt: skip
    tags = [re.fullmatch(r"(.+) \((\d+)\)", t) for t in life["Tags"].split(", ")]
    assert all(tags), life["Tags"]
    assert api["tags"], "the demo journal tags its bad stretches"
    assert [(t.group(1), int(t.group(2))) for t in tags if t] == [
        (t["tag"], t["count"]) for t in api["tags"]
    ]


def check_safety_and_referral(shown: dict[str, Any], api: dict[str, Any]) -> None:
    facts = api["referral_facts"]
    dates = facts["item9_positive_dates"]
    assert dates, "the demo journal answers item 9 above 0 on some days"
    answered = [p for p in api["phq9"] if p["item9"] > 0]
    assert f"answered above 0: {len(answered)} time" in shown["safety"]
    assert f"on {len(dates)} day" in shown["safety"]
    listed = {d.strip() for line in shown["item9"] for d in line.split(":", 1)[1].split(",")}
    assert listed == {day_text(date.fromisoformat(d)) for d in dates}
    trials, item9, difficulty = shown["referral"]
    assert re.search(r"improvement: (\d+)$", trials), trials
    assert int(trials.rsplit(" ", 1)[1]) == facts["trials_6w_under_25pct"]
    assert item9.startswith(f"PHQ-9 item 9 above 0: on {len(dates)} day"), item9
    very = facts["difficulty_very_or_extreme_dates"]
    expected = f"on {len(very)} day" if facts["difficulty_very_or_extreme"] else "on no day"
    assert expected in difficulty, difficulty


@pytest.mark.parametrize("which", ["whole", "logged"])
def test_each_number_on_the_summary_is_the_insights_apis(
    which: str, shared: Shared, browser: Browser
) -> None:
    link: Link = getattr(shared, which)
    clinician = browser.new_context(viewport=LAPTOP)
    try:
        shown = open_summary(clinician, link).evaluate(READ_PAGE)
    finally:
        clinician.close()
    assert shown["sections"] == SECTIONS, "sharing.md's order, safety first"
    assert [h.split(" ", 1)[0] for h in shown["headings"]] == [str(n) for n in range(1, 8)]
    start, end = link.period
    assert f"{day_text(start)} to {day_text(end)}" in shown["facts"]
    api = link.insights
    check_header_and_symptoms(shown, api)
    check_trials(shown, api)
    check_sessions_and_effects(shown, api)
    check_daily_life(shown, api)
    check_safety_and_referral(shown, api)


def printed_pages(page: Page) -> tuple[int, bytes]:
    page.emulate_media(media="print")
    # On paper the export links are no use; every section still is.
    expect(page.locator("header .links")).to_be_hidden()
    for section in SECTIONS:
        expect(page.locator(f"#{section}")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf)), pdf


def test_the_summary_prints_on_two_a4_pages_and_is_captured(
    shared: Shared, browser: Browser, tmp_path: Path
) -> None:
    clinician = browser.new_context(viewport=LAPTOP)
    try:
        whole = open_summary(clinician, shared.whole)
        pages_whole, _ = printed_pages(whole)
        page = open_summary(clinician, shared.logged)
        header = page.locator("header")
        expect(header).to_contain_text("Data as of")
        expect(header).to_contain_text("not clinically verified")
        expect(header).to_contain_text("Nobody is alerted")
        expect(header).to_contain_text("Every category was shared.")
        expect(page.locator("header .links")).to_be_visible()
        page.screenshot(path=str(tmp_path / "share-summary.png"), full_page=True)
        if os.environ.get("TEND_TEST_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "share-summary.png"), full_page=True)
        pages, pdf = printed_pages(page)
    finally:
        clinician.close()
    (tmp_path / "share-summary.pdf").write_bytes(pdf)
    assert 1 <= pages <= 2, f"{pages} A4 pages"
    assert 1 <= pages_whole <= 2, f"{pages_whole} A4 pages for the whole journal"
    assert (tmp_path / "share-summary.png").stat().st_size > 20_000


def test_the_summary_reads_the_same_with_javascript_off(shared: Shared, browser: Browser) -> None:
    clinician = browser.new_context(viewport=LAPTOP, java_script_enabled=False)
    try:
        page = open_summary(clinician, shared.whole)
        for section in SECTIONS:
            expect(page.locator(f"main > section#{section} h2")).to_be_visible()
        expect(page.locator("table.trials tbody tr")).to_have_count(
            len(shared.whole.insights["trials"])
        )
        expect(page.locator("#symptoms svg").first).to_be_visible()
        expect(page.locator("header")).to_contain_text("Nobody is alerted")
    finally:
        clinician.close()


def test_the_summary_fits_a_phone_without_sideways_scrolling(
    shared: Shared, browser: Browser
) -> None:
    clinician = browser.new_context(viewport=PHONE_SIZE)
    try:
        found = {}
        for link in (shared.whole, shared.logged):
            page = open_summary(clinician, link)
            found[link.path] = page.evaluate(
                """() => [document.documentElement.scrollWidth,
                          [...document.querySelectorAll('body *')]
                            .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
                            .map((e) => e.tagName + '.' + e.className).slice(0, 5)]"""
            )
    finally:
        clinician.close()
    assert all(found[path] == [PHONE["width"], []] for path in found), found
