"""Per-medication trial facts (product.md, "Adequate trial"): what was tried, at what dose, for
how long, how consistently, and what changed. Facts only: nothing here calls a trial failed.

Dates are the person's local dates. A trial's weeks run from its start up to its stop date or
the period's last day, whichever is first; `stopped_on` is the first day without the drug.
A dose step of 0 is a pause: a restart after a gap is a new unbroken stretch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

import msgspec

from backend.journal.kinds import Dose, Medication, Routine
from backend.treatment.journal import Period, local_date, one_decimal, percent
from backend.treatment.min_dose import below_minimum
from backend.treatment.schemas import DoseStep, Trial

RESPONSE_CHANGE_PCT = -50.0  # a 50 % reduction of the PHQ-9 total from the trial's start
REMISSION_BELOW = 5  # a PHQ-9 total under 5
BASELINE_GRACE = timedelta(days=7)  # a PHQ-9 up to a week after the start still counts as its start
FOUR_WEEKS, SIX_WEEKS = 28, 42  # days


class Phq9(NamedTuple):
    at: datetime
    day: date
    total: int
    item9: int
    difficulty: int | None


class Run(NamedTuple):
    """An unbroken stretch at one dose: days start..end, end exclusive. dose None: not logged."""

    dose: float | None
    unit: str | None
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class TrialInputs(msgspec.Struct, frozen=True):
    """What a trial's facts read besides the medication itself."""

    routines: Sequence[Routine]
    doses: Sequence[Dose]
    phq9: Sequence[Phq9]  # in time order


def dose_steps(med: Medication, start: date | None) -> list[DoseStep]:
    """The doses in date order; the same day twice keeps the later entry of the list."""
    by_day = {
        change.on: DoseStep(from_=change.on, dose=change.dose, unit=change.unit or med.unit)
        for change in med.dose_changes or ()
    }
    steps = [by_day[day] for day in sorted(by_day)]
    if not steps and med.dose is not None and start is not None:
        steps = [DoseStep(from_=start, dose=med.dose, unit=med.unit)]
    return steps


def runs(steps: Sequence[DoseStep], start: date | None, until: date) -> list[Run]:
    """Unbroken stretches at one dose, each ending at the next different dose or at `until`."""
    if not steps:
        return [Run(None, None, start, until)] if start is not None and start < until else []
    found: list[Run] = []
    for step in steps:
        if step.from_ >= until:
            break
        if found and found[-1].dose == step.dose:
            continue  # the same dose written again: the stretch goes on
        if found:
            found[-1] = found[-1]._replace(end=step.from_)
        found.append(Run(step.dose, step.unit, step.from_, until))
    return found


def start_of(med: Medication, steps: Sequence[DoseStep], doses: Sequence[Dose]) -> date | None:
    if med.started_on is not None:
        return med.started_on
    if steps:
        return steps[0].from_
    days = [local_date(dose.at) for dose in doses]
    return min(days) if days else None


def overlaps(start: date | None, stop: date | None, period: Period) -> bool:
    """Whether the person took it on some day of the period (`stop` is the first day off)."""
    return (start is None or start <= period.last) and (stop is None or stop > period.start)


def trial_facts(med_id: str, med: Medication, inputs: TrialInputs, period: Period) -> Trial:
    start = start_of(med, dose_steps(med, med.started_on), inputs.doses)
    until = period.last if med.stopped_on is None else min(med.stopped_on, period.last)
    steps = [step for step in dose_steps(med, start) if step.from_ <= until]
    stretches = runs(steps, start, until)
    max_dose = max((step.dose for step in steps), default=None)
    unit = next((step.unit for step in steps if step.dose == max_dose), med.unit)
    base, latest = phq9_pair(inputs.phq9, start, until)
    change = (
        None
        if base is None or latest is None or base.total == 0
        else (round(100 * (latest.total - base.total) / base.total, 1))
    )
    return Trial(
        medication_id=med_id,
        name=med.name,
        role=med.role,
        started_on=start,
        stopped_on=med.stopped_on,
        stop_reason=med.stop_reason,
        augments=None if med.augments is None else med.augments.lower(),
        dose_steps=steps,
        max_dose=max_dose,
        weeks_at_max_dose=weeks_at(stretches, max_dose),
        adherence_pct=adherence(med, steps, start, inputs, period),
        phq9_start=None if base is None else base.total,
        phq9_latest=None if latest is None else latest.total,
        phq9_change_pct=change,
        response=None if change is None else change <= RESPONSE_CHANGE_PCT,
        remission=None if latest is None else latest.total < REMISSION_BELOW,
        reached_4_weeks=reached(stretches, FOUR_WEEKS, start),
        reached_6_weeks=reached(stretches, SIX_WEEKS, start),
        below_min_dose=below_minimum(med.name, max_dose, unit),
    )


def weeks_at(stretches: Sequence[Run], dose: float | None) -> float | None:
    if dose is None:
        return None
    days = max((run.days for run in stretches if run.dose == dose), default=0)
    return one_decimal(days / 7)


def reached(stretches: Sequence[Run], days: int, start: date | None) -> bool | None:
    """Whether some unbroken stretch at one dose (not a pause) lasted `days`; None: no start.

    A trial that starts on its last day has no stretch yet: that is False, not unknown."""
    if start is None:
        return None
    return any(run.days >= days for run in stretches if run.dose != 0)


def adequate_stretch(name: str, stretches: Sequence[Run], days: int = SIX_WEEKS) -> bool:
    """A stretch of `days` at a logged dose that the minimum-dose table does not call too low
    (an unknown dose cannot be called adequate)."""
    return any(
        run.days >= days
        and run.dose is not None
        and run.dose > 0
        and below_minimum(name, run.dose, run.unit) is not True
        for run in stretches
    )


def phq9_pair(
    phq9: Sequence[Phq9], start: date | None, until: date
) -> tuple[Phq9 | None, Phq9 | None]:
    """The trial's starting PHQ-9 (the last one before, or within a week after, the start) and
    the latest one after it up to `until`."""
    if start is None:
        return None, None
    base = None
    for entry in phq9:
        if entry.day <= start + BASELINE_GRACE:
            base = entry
    latest = None
    for entry in phq9:
        if start <= entry.day <= until and (base is None or entry.at > base.at):
            latest = entry
    return base, latest


def dose_on(steps: Sequence[DoseStep], day: date) -> float | None:
    dose = None
    for step in steps:
        if step.from_ > day:
            break
        dose = step.dose
    return dose


def active_days(
    steps: Sequence[DoseStep], start: date | None, stop: date | None, period: Period
) -> list[date]:
    """The period's days on the medication: from its start, before its stop, not paused at 0."""
    first = period.start if start is None else max(start, period.start)
    last = period.last if stop is None else min(stop - timedelta(days=1), period.last)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if dose_on(steps, day) != 0]


def adherence(
    med: Medication,
    steps: Sequence[DoseStep],
    start: date | None,
    inputs: TrialInputs,
    period: Period,
) -> float | None:
    """Taken doses / scheduled occurrences with a routine, else days with a taken dose / days
    on it; capped at 100 (an extra dose does not make up for a missed one elsewhere).

    None when no dose of it (taken or skipped) is logged in those days: many people do not
    log doses, and a clinician would read 0 % as doses not taken.
    """
    if med.as_needed:
        return None
    days = active_days(steps, start, med.stopped_on, period)
    on = set(days)
    if not any(local_date(dose.at) in on for dose in inputs.doses):
        return None
    taken = [local_date(dose.at) for dose in inputs.doses if dose.status == "taken"]
    if not inputs.routines:
        return percent(len(on.intersection(taken)), len(days))
    scheduled = sum(
        len(set(routine.times))
        for day in days
        for routine in inputs.routines
        if day.isoweekday() in routine.days
    )
    value = percent(sum(1 for day in taken if day in on), scheduled)
    return None if value is None else min(value, 100.0)
