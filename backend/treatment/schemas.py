"""`GET /api/v1/insights` answer (issue 12; outside checks rely on these names).

Numbers are None when there is nothing to derive them from: no data is not a zero.
Percentages and averages have one decimal.
"""

from __future__ import annotations

from datetime import date

import msgspec


class DoseStep(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    dose: float
    unit: str | None


class Trial(msgspec.Struct, kw_only=True):
    medication_id: str
    name: str
    role: str | None
    started_on: date | None
    stopped_on: date | None
    stop_reason: str | None
    # The medication_id this one is added to (augmentation or combination).
    augments: str | None
    dose_steps: list[DoseStep]
    max_dose: float | None
    # The longest unbroken stretch at the highest dose, up to the stop date or the period's end.
    weeks_at_max_dose: float | None
    adherence_pct: float | None
    phq9_start: int | None
    phq9_latest: int | None
    # Signed: (latest - start) / start * 100, so -50.0 is a 50 % reduction in symptoms.
    phq9_change_pct: float | None
    response: bool | None
    remission: bool | None
    reached_4_weeks: bool | None
    reached_6_weeks: bool | None
    below_min_dose: bool | None


class Phq9Entry(msgspec.Struct, kw_only=True):
    at: str
    total: int
    band: str
    item9: int


class SessionReading(msgspec.Struct, kw_only=True):
    date: date
    bp_before: str | None
    bp_after: str | None
    dissociation: int | None
    felt_after: int | None


class SessionCourse(msgspec.Struct, kw_only=True):
    count: int
    dates: list[date]
    readings: list[SessionReading]


class NightHours(msgspec.Struct, kw_only=True):
    night_of: date
    hours: float


class SleepFacts(msgspec.Struct, kw_only=True):
    nights: int
    avg_hours: float | None
    bedtime_sd_minutes: float | None
    nights_under_6h: int
    per_night: list[NightHours]


class ActivityFacts(msgspec.Struct, kw_only=True):
    avg_minutes_per_day: float | None
    days_with_activity: int


class AlcoholFacts(msgspec.Struct, kw_only=True):
    avg_drinks_per_week: float | None
    days_with_alcohol: int


class MealFacts(msgspec.Struct, kw_only=True):
    # Over the days with at least one meal logged: a day without any is more likely unlogged.
    avg_per_day: float | None
    days_logged: int


class EffectCount(msgspec.Struct, kw_only=True):
    name: str
    count: int
    max_severity: int


class SideEffects(msgspec.Struct, kw_only=True):
    medication_id: str | None
    name: str | None
    count: int
    max_severity: int
    effects: list[EffectCount]


class TagCount(msgspec.Struct, kw_only=True):
    tag: str
    count: int


class ReferralFacts(msgspec.Struct, kw_only=True):
    trials_6w_under_25pct: int
    item9_positive_dates: list[date]
    difficulty_very_or_extreme: bool
    difficulty_very_or_extreme_dates: list[date]


class Insights(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date
    completeness_pct: float | None
    trials: list[Trial]
    phq9: list[Phq9Entry]
    sessions: dict[str, SessionCourse]
    sleep: SleepFacts
    activity: ActivityFacts
    alcohol: AlcoholFacts
    meals: MealFacts
    side_effects: list[SideEffects]
    tags: list[TagCount]
    referral_facts: ReferralFacts
