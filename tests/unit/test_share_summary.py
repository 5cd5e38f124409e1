"""The clinician summary page: numbers equal the insights API's, scope and privacy hold, CSP."""

from __future__ import annotations

import base64
import hashlib
import re
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from html import unescape

from backend.sharing.render import (
    CSS,
    SHARE_CSP,
    render_not_found,
    render_passcode,
    render_summary,
)
from backend.sharing.scope import CATEGORIES, DEFAULT_CATEGORIES, Scope, scoped
from backend.sharing.summary import Summary, build_summary
from backend.sync.read import JournalRecord, journal_record
from backend.treatment.insights import derive_insights
from tests.unit.treatment_helpers import (
    SERTRALINE,
    USER,
    daily_doses,
    days_from,
    med,
    phq9,
    rec,
    routine,
    steps,
)

START, END = date(2026, 1, 5), date(2026, 3, 29)
TODAY = date(2026, 3, 29)
AS_OF = datetime(2026, 3, 29, 18, 30, tzinfo=UTC)
ALL = frozenset(CATEGORIES)
PRIVATE = "I have not told anyone about the pills in the drawer"
SHARED = "Slept badly after the dose went up"


def journal() -> list[JournalRecord]:
    days = days_from("2026-01-05", 84)
    records = [
        rec("profile", {"display_name": "Alex", "tz": "Europe/London"},
            "00000000-0000-0000-0000-000000000001"),
        med(SERTRALINE, "Sertraline", role="antidepressant", started_on="2026-01-05",
            dose_changes=steps(("2026-01-05", 50), ("2026-01-19", 100))),
        routine(SERTRALINE, ["08:00"]),
        *daily_doses(SERTRALINE, days[::2]),
        phq9("2026-01-05T09:00:00+00:00", 20, item9=2, difficulty=3),
        phq9("2026-01-19T09:00:00+00:00", 16),
        phq9("2026-02-16T09:00:00+00:00", 12, item9=1),
        phq9("2026-03-16T09:00:00+00:00", 8),
        rec("assessment", {"at": "2026-02-01T09:00:00+00:00", "instrument": "gad7",
                           "answers": [2, 2, 2, 2, 1, 1, 1]}),
        rec("sleep", {"night_of": "2026-02-01", "bed_at": "2026-02-01T23:10:00+00:00",
                      "wake_at": "2026-02-02T06:40:00+00:00", "note": "private sleep note"}),
        rec("activity", {"at": "2026-02-02T10:00:00+00:00", "minutes": 35}),
        rec("intake", {"at": "2026-02-02T19:00:00+00:00", "kind": "alcohol", "amount": 3}),
        rec("effect", {"at": "2026-01-25T10:00:00+00:00", "medication_id": SERTRALINE,
                       "name": "nausea", "severity": 2}),
        rec("lab", {"on": "2026-02-10", "test": "tsh", "value": 4.7, "unit": "mIU/L"}),
        rec("session", {"at": "2026-03-02T10:00:00+00:00", "type": "esketamine",
                        "bp_before": "128/82", "bp_after": "141/90", "dissociation": 4}),
        rec("question", {"text": "Is the dose high enough?"}),
        rec("checkin", {"at": "2026-02-03T20:00:00+00:00", "mood": 3, "anxiety": 7,
                        "energy": 2, "note": SHARED, "share_note": True}),
        rec("checkin", {"at": "2026-02-04T20:00:00+00:00", "mood": 4, "elevated": 2,
                        "note": PRIVATE}),
        rec("checkin", {"at": "2026-02-05T20:00:00+00:00", "mood": 6, "tags": ["work"]}),
    ]  # fmt: skip
    return records


def summary_of(
    records: list[JournalRecord], categories: frozenset[str] = ALL
) -> tuple[Summary, str]:
    scope = Scope(START, END, categories)
    summary = build_summary(scoped(records, scope), scope, today=TODAY, as_of=AS_OF)
    return summary, render_summary(summary, base_path="/s/TOKEN")


def text_of(html: str) -> str:
    """The page's visible words, tags dropped and whitespace collapsed."""
    body = html[html.index("<body>") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_numbers_on_the_page_are_the_insights_apis() -> None:
    records = journal()
    summary, html = summary_of(records)
    insights = derive_insights(scoped(records, Scope(START, END, ALL)), START, END, TODAY)
    assert summary.insights == insights
    page = text_of(html)
    trial = insights.trials[0]
    assert f"Days with any entry: {insights.completeness_pct:.1f}%" in page
    assert f"{trial.adherence_pct:.1f}%" in page
    assert f"{trial.weeks_at_max_dose:.1f} (100)" in page
    assert f"{trial.phq9_start}→{trial.phq9_latest} ({trial.phq9_change_pct:+.1f}%)" in page
    assert f"{insights.sleep.avg_hours:.1f} h a night" in page
    assert f"{insights.activity.avg_minutes_per_day:.1f} min a day" in page
    assert f"{insights.alcohol.avg_drinks_per_week:.1f} standard drinks a week" in page
    difficulty = len(insights.referral_facts.difficulty_very_or_extreme_dates)
    assert f"“extremely difficult”: on {difficulty} day" in page
    # The period's PHQ-9 overview: 20 -> 8 is -60 %, a response; 8 is not a remission.
    assert "baseline 20 (5 Jan 2026), latest 8 (16 Mar 2026, mild), change -60.0%" in page
    assert "Response (≥50% lower): yes. Remission (<5): no." in page
    assert "GAD-7 (1): 1 Feb 2026 11 moderate" in page
    assert "TSH 4.7 mIU/L (10 Feb 2026)" in page
    assert "BP 128/82 → 141/90; dissociation 4/10" in page
    assert "Is the dose high enough?" in page
    # 18:30 UTC is 19:30 in London once summer time began that morning (the profile's zone).
    assert "Data as of 29 Mar 2026, 19:30 (BST)" in page


def test_daily_scores_and_their_seven_day_average() -> None:
    summary, _ = summary_of(journal())
    by_day = {d.day: d for d in summary.days}
    assert by_day[date(2026, 2, 3)].mood == 3
    assert by_day[date(2026, 2, 5)].mood_avg7 == round((3 + 4 + 6) / 3, 1)
    assert summary.show_elevated  # an elevated rating of 2 on 4 Feb


def test_item9_answers_are_in_the_safety_box_first() -> None:
    _, html = summary_of(journal())
    safety = html[html.index('id="safety"') : html.index('id="symptoms"')]
    assert "More than half the days (2):</strong> 5 Jan 2026" in safety
    assert "Several days (1):</strong> 16 Feb 2026" in safety
    assert html.index('id="safety"') < html.index('id="symptoms"') < html.index('id="treatment"')


def test_no_item9_says_so_only_when_assessments_are_shared() -> None:
    quiet = [r for r in journal() if not (r.kind == "assessment" and r.values["answers"][-1])]
    _, html = summary_of(quiet)
    assert "No PHQ-9 item 9 answers above 0 in this period" in html
    _, html = summary_of(journal(), ALL - {"assessment"})
    assert "No PHQ-9 item 9 answers above 0" not in html
    assert "Questionnaires were not shared" in html


def test_a_left_out_category_says_not_shared_and_shows_none_of_its_values() -> None:
    left_out = ALL - {"sleep", "lab", "assessment"}
    _, html = summary_of(journal(), frozenset(left_out))
    page = text_of(html)
    assert "Not shared: sleep, questionnaires (PHQ-9, GAD-7), labs." in page
    assert "Sleep not shared" in page
    assert "Labs: not shared." in page
    assert "PHQ-9 and GAD-7: not shared." in page
    for value in ("TSH", "4.7", "a night on average", "baseline 20", "GAD-7 (1)", "c-phq9"):
        assert value not in html


def test_a_private_note_never_appears_and_a_shared_one_does() -> None:
    _, html = summary_of(journal())
    assert SHARED in html
    assert PRIVATE not in html
    assert "private sleep note" not in html
    _, without_notes = summary_of(journal(), DEFAULT_CATEGORIES_SET)
    assert SHARED not in without_notes
    assert "Notes: not shared." in without_notes


DEFAULT_CATEGORIES_SET = frozenset(DEFAULT_CATEGORIES)


def test_a_name_is_escaped() -> None:
    records = [
        rec("profile", {"display_name": "<script>alert(1)</script>"},
            "00000000-0000-0000-0000-000000000001"),
        rec("question", {"text": 'Dose "<b>x</b>"?'}),
    ]  # fmt: skip
    _, html = summary_of(records)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_csp_allows_exactly_the_inlined_stylesheet_and_no_script() -> None:
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in SHARE_CSP
    assert "default-src 'none'" in SHARE_CSP
    assert "frame-ancestors 'none'" in SHARE_CSP
    _, html = summary_of(journal())
    pages = [html, render_not_found().decode(), render_passcode(failed=True)]
    for page in pages:
        styles = re.findall(r"<style>(.*?)</style>", page, re.S)
        assert styles == [CSS]
        assert "<script" not in page
        assert " style=" not in page
        assert not re.search(r"(src|href)=\"(https?:)?//", page)


def test_the_404_page_is_constant_and_says_nothing_about_why() -> None:
    first = render_not_found()
    assert first == render_not_found()
    assert b"This link is not available" in first
    assert b"expired" in first  # one wording for unknown, expired and revoked alike


def test_passcode_form_posts_a_code_to_the_same_url() -> None:
    page = render_passcode(failed=False)
    assert '<form method="post" action=""' in page
    assert 'name="passcode"' in page
    assert ">Code</label>" in page
    assert "That code is not right." not in page
    assert "That code is not right." in render_passcode(failed=True)


def test_preview_has_a_banner_and_no_links_the_shared_page_links_the_exports() -> None:
    summary, shared = summary_of(journal())
    preview = render_summary(summary, base_path=None)
    assert "Preview: this is exactly what your clinician will see" in preview
    assert "/fhir" not in preview
    assert '<a href="/s/TOKEN/fhir">FHIR (for clinic systems)</a>' in shared
    assert '<a href="/s/TOKEN/csv">Raw entries (CSV)</a>' in shared
    assert 'name="robots" content="noindex"' in shared
    assert '<html lang="en">' in shared


def test_an_empty_period_shows_no_zeros() -> None:
    scope = Scope(START, END, ALL)
    summary = build_summary([], scope, today=TODAY, as_of=AS_OF)
    page = text_of(render_summary(summary, base_path=None))
    assert "Tend journal" in page
    assert "No PHQ-9 was answered in this period" in page
    assert "No medication in this period." in page
    assert "No nights logged." in page


def dense_year() -> tuple[list[JournalRecord], Scope]:
    from tests.bench.bench_insights import DAYS
    from tests.bench.bench_insights import START as YEAR_START
    from tests.bench.bench_insights import dense_year as generated

    records = [
        journal_record(USER, uuid.UUID(r.record_id), r.kind,
                       {name: {"v": value} for name, value in r.values.items()}, False)
        for r in generated()
    ]  # fmt: skip
    scope = Scope(YEAR_START, YEAR_START + timedelta(days=DAYS - 1), ALL)
    return scoped(records, scope), scope


def test_a_dense_year_renders_fast() -> None:
    records, scope = dense_year()
    summary = build_summary(records, scope, today=scope.end, as_of=AS_OF)
    times = []
    for _ in range(7):
        began = time.perf_counter()
        html = render_summary(summary, base_path="/s/TOKEN")
        times.append(time.perf_counter() - began)
    assert statistics.median(times) < 0.05, times  # issue 13: page <= 300 ms end to end
    assert len(html) < 200_000


def test_a_trial_begun_before_the_period_says_so_instead_of_showing_an_older_phq9() -> None:
    """The share never shows a PHQ-9 from before its period, so a trial's start score that
    falls before it reads "before period", not a blank that looks like a missing answer."""
    scope = Scope(date(2026, 2, 1), END, ALL)
    shown = scoped(journal(), scope)
    summary = build_summary(shown, scope, today=TODAY, as_of=AS_OF)
    row = re.search(r'<td data-label="PHQ-9">(.*?)</td>', render_summary(summary, base_path=None))
    assert row is not None
    assert unescape(row.group(1)).startswith("before period→8"), row.group(1)
    assert "20→" not in row.group(1)
