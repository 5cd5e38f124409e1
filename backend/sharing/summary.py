"""`build_summary`: what the clinician summary page shows, from a share's scoped records.

Pure: records in (already `scoped`, so out-of-scope kinds, days and private notes are gone),
a `Summary` out; the caller passes the person's today and the moment the data was read. Every
number the insights API has comes from `derive_insights` itself, so the page and the API agree;
this module adds only what insights does not carry (daily check-in scores, GAD-7, labs, shared
notes, open questions, the item-9 answers of the safety box).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from backend.journal.kinds import Assessment, Checkin, Lab, Profile, Question
from backend.journal.questionnaires import band
from backend.sharing.scope import CATEGORIES, Scope, display_name
from backend.sync.read import JournalRecord
from backend.treatment.insights import derive_insights
from backend.treatment.journal import Journal, local_date, one_decimal
from backend.treatment.schemas import Insights
from backend.treatment.trials import REMISSION_BELOW, RESPONSE_CHANGE_PCT

# The trailing window of the mood line: a week smooths day-to-day noise without hiding a dip.
AVERAGE_DAYS = 7


class ScopeFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The period and categories shared, and those left out (so an absence is not a zero)."""

    start: date
    end: date
    categories: list[str]
    left_out: list[str]


class DayScores(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One day's check-in means (None: not rated that day) and trailing 7-day averages."""

    day: date
    mood: float | None
    anxiety: float | None
    energy: float | None
    elevated: float | None
    irritability: float | None
    mood_avg7: float | None
    anxiety_avg7: float | None
    energy_avg7: float | None


class Phq9Overview(msgspec.Struct, frozen=True, kw_only=True):
    """The period's first and latest PHQ-9, computed as a trial's are (trials.trial_facts)."""

    count: int
    baseline: int | None
    baseline_day: date | None
    latest: int | None
    latest_day: date | None
    change_pct: float | None
    response: bool | None
    remission: bool | None


class ScoreEntry(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    total: int
    band: str


class Item9Answer(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    answer: int
    total: int


class LabEntry(msgspec.Struct, frozen=True, kw_only=True):
    on: date
    test: str
    value: float
    unit: str | None


class SharedNote(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    text: str


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    display_name: str | None
    scope: ScopeFacts
    # The moment the data was read, in the person's time zone when their profile names one.
    as_of: datetime
    completeness_pct: float | None
    insights: Insights
    phq9: Phq9Overview
    days: list[DayScores]
    # Elevated mood / irritability are shown only when some rating is above 0 (sharing.md).
    show_elevated: bool
    gad7: list[ScoreEntry]
    labs: list[LabEntry]
    notes: list[SharedNote]
    questions: list[str]
    item9: list[Item9Answer]


def build_summary(
    records: list[JournalRecord], scope: Scope, *, today: date, as_of: datetime
) -> Summary:
    """The summary of `records` (already `scoped(..., scope)`) as of `as_of`."""
    insights = derive_insights(records, scope.start, scope.end, today)
    journal = Journal(records)
    checkins = journal.values(Checkin)
    days = day_scores(checkins)
    return Summary(
        display_name=display_name(records),
        scope=ScopeFacts(
            start=scope.start,
            end=scope.end,
            categories=[name for name in CATEGORIES if name in scope.categories],
            left_out=scope.left_out,
        ),
        as_of=_in_zone(as_of, journal.values(Profile)),
        completeness_pct=insights.completeness_pct,
        insights=insights,
        phq9=phq9_overview(insights),
        days=days,
        show_elevated=any((d.elevated or 0) > 0 or (d.irritability or 0) > 0 for d in days),
        gad7=gad7_entries(journal.values(Assessment)),
        labs=sorted(
            (
                LabEntry(on=lab.on, test=lab.test, value=lab.value, unit=lab.unit)
                for lab in journal.values(Lab)
            ),
            key=lambda lab: (lab.on, lab.test),
        ),
        notes=shared_notes(checkins),
        questions=[q.text for q in journal.values(Question) if not q.answered],
        item9=[
            Item9Answer(day=datetime.fromisoformat(p.at).date(), answer=p.item9, total=p.total)
            for p in insights.phq9
            if p.item9 > 0
        ],
    )


def _in_zone(moment: datetime, profiles: Sequence[Profile]) -> datetime:
    for profile in profiles:
        if profile.tz:
            try:
                return moment.astimezone(ZoneInfo(profile.tz))
            except (ZoneInfoNotFoundError, ValueError):
                break
    return moment


def phq9_overview(insights: Insights) -> Phq9Overview:
    """Baseline (first in the period), latest, signed % change, response and remission."""
    entries = insights.phq9
    if not entries:
        return Phq9Overview(
            count=0, baseline=None, baseline_day=None, latest=None, latest_day=None,
            change_pct=None, response=None, remission=None,
        )  # fmt: skip
    first, last = entries[0], entries[-1]
    change = (
        None
        if first.total == 0 or len(entries) == 1  # a change needs two answers
        else round(100 * (last.total - first.total) / first.total, 1)
    )
    return Phq9Overview(
        count=len(entries),
        baseline=first.total,
        baseline_day=datetime.fromisoformat(first.at).date(),
        latest=last.total,
        latest_day=datetime.fromisoformat(last.at).date(),
        change_pct=change,
        response=None if change is None else change <= RESPONSE_CHANGE_PCT,
        remission=last.total < REMISSION_BELOW,
    )


def _mean(values: Sequence[float]) -> float | None:
    return one_decimal(sum(values) / len(values)) if values else None


def _trailing(means: dict[date, float | None], days: list[date]) -> dict[date, float | None]:
    """For each day, the mean of the daily means of the AVERAGE_DAYS days ending on it."""
    window: deque[tuple[date, float]] = deque()
    total = 0.0
    found: dict[date, float | None] = {}
    for day in days:
        value = means[day]
        if value is not None:
            window.append((day, value))
            total += value
        while window and window[0][0] <= day - timedelta(days=AVERAGE_DAYS):
            total -= window.popleft()[1]
        found[day] = one_decimal(total / len(window)) if window else None
    return found


def day_scores(checkins: Iterable[Checkin]) -> list[DayScores]:
    """Per local day with a check-in: mean ratings and the trailing averages."""
    fields = ("mood", "anxiety", "energy", "elevated", "irritability")
    by_day: dict[date, dict[str, list[float]]] = defaultdict(lambda: {f: [] for f in fields})
    for checkin in checkins:
        ratings = by_day[local_date(checkin.at)]
        for field in fields:
            value = getattr(checkin, field)
            if value is not None:
                ratings[field].append(value)
    days = sorted(by_day)
    means = {f: {day: _mean(by_day[day][f]) for day in days} for f in fields}
    averages = {f: _trailing(means[f], days) for f in ("mood", "anxiety", "energy")}
    return [
        DayScores(
            day=day,
            mood=means["mood"][day],
            anxiety=means["anxiety"][day],
            energy=means["energy"][day],
            elevated=means["elevated"][day],
            irritability=means["irritability"][day],
            mood_avg7=averages["mood"][day],
            anxiety_avg7=averages["anxiety"][day],
            energy_avg7=averages["energy"][day],
        )
        for day in days
    ]


def gad7_entries(assessments: Iterable[Assessment]) -> list[ScoreEntry]:
    found = sorted((a for a in assessments if a.instrument == "gad7"), key=lambda a: a.at)
    return [
        ScoreEntry(day=local_date(a.at), total=sum(a.answers), band=band("gad7", sum(a.answers)))
        for a in found
    ]


def shared_notes(checkins: Iterable[Checkin]) -> list[SharedNote]:
    """Check-in notes the person marked to share (scoping already dropped every other note)."""
    found = sorted((c for c in checkins if c.note and c.share_note), key=lambda c: c.at)
    return [SharedNote(day=local_date(c.at), text=c.note or "") for c in found]
