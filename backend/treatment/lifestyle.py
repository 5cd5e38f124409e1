"""Sleep, movement, alcohol, meals, triggers, side effects and clinic sessions over a period.

Pure functions of typed records and a `Period`; events count on the local day they happened.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from backend.journal.kinds import Activity, Checkin, Effect, Intake, Medication, Session, Sleep
from backend.treatment.journal import Period, local_date, one_decimal
from backend.treatment.schemas import (
    ActivityFacts,
    AlcoholFacts,
    EffectCount,
    MealFacts,
    NightHours,
    SessionCourse,
    SessionReading,
    SideEffects,
    SleepFacts,
    TagCount,
)

SHORT_NIGHT_HOURS = 6
MAX_NIGHT_HOURS = 24  # a longer "night" is a mistyped date, not sleep
TOP_TAGS = 10
_NOON = 12 * 60


def night_hours(sleep: Sleep) -> float | None:
    """Hours from bed to waking, or None when either is missing or they make no night."""
    if sleep.bed_at is None or sleep.wake_at is None:
        return None
    hours = (sleep.wake_at - sleep.bed_at).total_seconds() / 3600
    return hours if 0 < hours <= MAX_NIGHT_HOURS else None


def bedtime_minutes(bed_at: datetime) -> int:
    """Minutes from noon on the local clock: 23:30 and 00:30 are an hour apart, not 23 hours."""
    return (bed_at.hour * 60 + bed_at.minute - _NOON) % (24 * 60)


def sleep_facts(nights: Sequence[Sleep], period: Period) -> SleepFacts:
    inside = sorted((s for s in nights if s.night_of in period), key=lambda s: s.night_of)
    hours = [(s.night_of, h) for s in inside if (h := night_hours(s)) is not None]
    bedtimes = [bedtime_minutes(s.bed_at) for s in inside if s.bed_at is not None]
    return SleepFacts(
        nights=len(inside),
        avg_hours=one_decimal(statistics.fmean(h for _, h in hours)) if hours else None,
        bedtime_sd_minutes=one_decimal(statistics.pstdev(bedtimes)) if len(bedtimes) > 1 else None,
        nights_under_6h=sum(1 for _, h in hours if h < SHORT_NIGHT_HOURS),
        per_night=[NightHours(night_of=day, hours=round(h, 2)) for day, h in hours],
    )


def activity_facts(activities: Sequence[Activity], period: Period) -> ActivityFacts:
    inside = [a for a in activities if local_date(a.at) in period]
    total = sum(a.minutes for a in inside)
    return ActivityFacts(
        avg_minutes_per_day=one_decimal(total / period.days) if period.days else None,
        days_with_activity=len({local_date(a.at) for a in inside}),
    )


def _of_kind(intakes: Sequence[Intake], kind: str, period: Period) -> list[Intake]:
    return [i for i in intakes if i.kind == kind and local_date(i.at) in period]


def alcohol_facts(intakes: Sequence[Intake], period: Period) -> AlcoholFacts:
    """Standard drinks per week over the whole period: a day without a drink logged counts as 0."""
    drinks = _of_kind(intakes, "alcohol", period)
    total = sum(1 if i.amount is None else i.amount for i in drinks)
    return AlcoholFacts(
        avg_drinks_per_week=one_decimal(7 * total / period.days) if period.days else None,
        days_with_alcohol=len({local_date(i.at) for i in drinks}),
    )


def meal_facts(intakes: Sequence[Intake], period: Period) -> MealFacts:
    meals = _of_kind(intakes, "meal", period)
    days = {local_date(i.at) for i in meals}
    return MealFacts(
        avg_per_day=one_decimal(len(meals) / len(days)) if days else None, days_logged=len(days)
    )


def top_tags(checkins: Sequence[Checkin], period: Period, limit: int = TOP_TAGS) -> list[TagCount]:
    counts: Counter[str] = Counter()
    for checkin in checkins:
        if local_date(checkin.at) in period:
            counts.update(set(checkin.tags or ()))  # a tag twice in one check-in counts once
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [TagCount(tag=tag, count=count) for tag, count in ranked[:limit]]


def side_effects(
    effects: Sequence[Effect], medications: dict[str, Medication], period: Period
) -> list[SideEffects]:
    """Per medication (None: not linked to one), the effects and their highest severity."""
    grouped: dict[str | None, list[Effect]] = defaultdict(list)
    for effect in effects:
        if local_date(effect.at) in period:
            med_id = None if effect.medication_id is None else effect.medication_id.lower()
            grouped[med_id].append(effect)
    found = []
    for med_id, items in grouped.items():
        by_name: dict[str, list[int]] = defaultdict(list)
        for item in items:
            by_name[item.name].append(item.severity)
        med = medications.get(med_id) if med_id is not None else None
        found.append(
            SideEffects(
                medication_id=med_id,
                name=None if med is None else med.name,
                count=len(items),
                max_severity=max(item.severity for item in items),
                effects=[
                    EffectCount(name=name, count=len(sev), max_severity=max(sev))
                    for name, sev in sorted(by_name.items(), key=lambda kv: (-len(kv[1]), kv[0]))
                ],
            )
        )
    return sorted(found, key=lambda s: (-s.count, s.name or "", s.medication_id or ""))


def session_courses(sessions: Sequence[Session], period: Period) -> dict[str, SessionCourse]:
    """Clinic sessions by type, in time order, with the readings taken at each."""
    courses: dict[str, SessionCourse] = {}
    for session in sorted((s for s in sessions if local_date(s.at) in period), key=lambda s: s.at):
        course = courses.setdefault(session.type, SessionCourse(count=0, dates=[], readings=[]))
        day = local_date(session.at)
        course.count += 1
        course.dates.append(day)
        course.readings.append(
            SessionReading(
                date=day,
                bp_before=session.bp_before,
                bp_after=session.bp_after,
                dissociation=session.dissociation,
                felt_after=session.felt_after,
            )
        )
    return dict(sorted(courses.items()))
