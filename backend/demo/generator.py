"""Deterministic synthetic journal of a person living with TRD, for the demo and benchmarks."""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.journal.kinds import PROFILE_ID, SAFETY_PLAN_ID
from backend.reminders.schedule import occurrence_key
from backend.sync.hlc import Hlc, format_hlc, node_from_device_id, send

# Tags as the PWA offers them (pwa/js/kinds.js TAGS), plus "Alcohol" typed in by hand.
_CAUSES = ("Work", "Conflict", "Family", "Money", "Alone")
_EXTRA_TAGS = ("Alone", "Family", "Weather", "Pain", "News")
_COUNTRIES = {"Europe/London": "GB", "Europe/Dublin": "IE", "America/New_York": "US"}
_NOTES = {
    "low": (
        "Could not get out of bed until noon.",
        "Everything feels heavy. Cancelled plans again.",
        "Cried in the car before work.",
        "Numb more than sad today.",
        "Spent most of the day on the sofa.",
    ),
    "mid": (
        "Managed a shower and a short walk.",
        "Flat, but got through the work day.",
        "Talked to my sister on the phone, helped a bit.",
        "Tired all afternoon.",
    ),
    "high": (
        "A decent day. Cooked a proper dinner.",
        "Met a friend for coffee and actually enjoyed it.",
        "Felt more like myself for a few hours.",
    ),
}
_SESSION_NOTES = (
    "Floaty for an hour, fine by the time Jo drove me home.",
    "Nauseous in the chair.",
    "Colours looked strange, calmer after.",
)
_QUESTIONS = (
    "Has this been an adequate trial?",
    "Is esketamine an option for me?",
    "Can we talk about the weight gain?",
    "Should I get my thyroid checked again?",
)
_LABS = (
    (10, "tsh", 2.4, "mIU/L"),
    (10, "vitamin_d", 31.0, "nmol/L"),
    (200, "vitamin_d", 71.0, "nmol/L"),
)
_SAFETY_PLAN = {
    "warning_signs": "Not answering messages, staying in bed past midday, stopping meals.",
    "coping": "Shower, step outside for ten minutes, put on the playlist, breathe 4-7-8.",
    "distractions": "Ring Jo; walk to the park; the library cafe.",
    "people_to_ask": "Jo (sister), Priya (friend from work).",
    "professionals": "GP surgery; community mental health team duty line; Samaritans 116 123.",
    "safe_environment": "Jo keeps the spare tablets; no alcohol in the flat.",
}


@dataclass(frozen=True)
class GeneratedRecord:
    """One record as a device would create it; `logged_ms` is when (UTC ms) it was written."""

    kind: str
    record_id: str
    values: dict[str, Any]
    logged_ms: int = 0


@dataclass
class _Drug:
    name: str
    role: str
    steps: list[tuple[int, float]]  # (day index, dose) from the start, the first is started_on
    stop: int | None = None
    stop_reason: str | None = None
    unit: str = "mg"
    routine_time: str | None = "08:00"
    as_needed: bool = False
    notes: str | None = None
    record_id: str = ""
    routine_id: str = ""
    augments: _Drug | None = None  # the drug this one is added to
    effects: list[tuple[int, str, int]] = field(default_factory=list)

    def dose_on(self, day: int) -> float | None:
        if day < self.steps[0][0] or (self.stop is not None and day >= self.stop):
            return None
        return [dose for on, dose in self.steps if on <= day][-1]


def uuid7(millis: int, rng: random.Random | None = None) -> str:
    """A UUIDv7 text id for the instant `millis`: ids of later instants sort after."""
    bits = rng.getrandbits if rng is not None else secrets.randbits
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | bits(12) << 64 | 0b10 << 62 | bits(62)
    return str(uuid.UUID(int=value))


def generate_journal(
    *, start: date, days: int, tz: str = "Europe/London", seed: int = 0
) -> list[GeneratedRecord]:
    """Every record of `days` days from `start`, in the order they were logged."""
    return _Journal(start, days, tz, random.Random(seed)).build()


def to_changes(
    records: Iterable[GeneratedRecord], device_id: str, now_ms: int
) -> list[dict[str, Any]]:
    """Wire changes creating each record (base_seq 0) with increasing HLCs never past `now_ms`.

    Change ids are random, so the same journal can be pushed to several accounts (the
    server keys change ids per person, so even the same ids would be fine).
    """
    clock = Hlc(0, 0, node_from_device_id(device_id))
    changes = []
    for record in records:
        clock = send(clock, min(record.logged_ms, now_ms))
        stamp = format_hlc(clock)
        changes.append(
            {
                "change_id": uuid7(clock.millis),
                "record_id": record.record_id,
                "kind": record.kind,
                "schema_version": 1,
                "base_seq": 0,
                "fields": {name: {"v": v, "hlc": stamp} for name, v in record.values.items()},
            }
        )
    return changes


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class _Journal:
    def __init__(self, start: date, days: int, tz: str, rng: random.Random) -> None:
        self.start, self.days, self.tz, self.rng = start, days, tz, rng
        self.zone = ZoneInfo(tz)
        # Short journals squeeze the year-long treatment story so the demo still shows it.
        self.scale = min(1.0, max(0.45, days / 365))
        self.records: list[GeneratedRecord] = []
        self.level: list[float] = []
        self.stretch: list[str | None] = []
        self.sleep_quality: dict[int, int] = {}
        self.drank: set[int] = set()

    def day(self, year_day: int) -> int:
        return round(year_day * self.scale)

    def local(self, day: int, minutes: float) -> datetime:
        wall = datetime.combine(self.start + timedelta(days=day), time()) + timedelta(
            minutes=round(minutes)
        )
        # Through UTC and back: a wall time in a spring-forward gap becomes a real instant.
        return wall.replace(tzinfo=self.zone).astimezone(UTC).astimezone(self.zone)

    def add(
        self, kind: str, values: dict[str, Any], logged: datetime, record_id: str | None = None
    ) -> str:
        logged_ms = int(logged.timestamp() * 1000) + self.rng.randrange(60_000)
        rid = record_id or uuid7(logged_ms, self.rng)
        if record_id is None:
            values = {**values, "_created_at": logged.isoformat(timespec="seconds")}
        self.records.append(GeneratedRecord(kind, rid, values, logged_ms))
        return rid

    def at(self, day: int, minutes: float) -> str:
        return self.local(day, minutes).isoformat(timespec="seconds")

    def date(self, day: int) -> str:
        return (self.start + timedelta(days=day)).isoformat()

    def event(
        self,
        d: int,
        kind: str,
        values: dict[str, Any],
        minutes: float,
        *,
        spread: float = 0,
        delay: float = 0,
    ) -> None:
        """Something that happened at `minutes` (+ up to `spread`), logged `delay` minutes later."""
        minutes += self.rng.uniform(0, spread)
        self.add(kind, {"at": self.at(d, minutes), **values}, self.local(d, minutes + delay))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def build(self) -> list[GeneratedRecord]:
        drugs = self.plan()
        esketamine = self.esketamine_days()
        self.latent_mood(drugs, esketamine)
        self.setup(drugs)
        for d in range(self.days):
            self.sleep(d)
            self.checkins(d)
            self.movement(d)
            self.doses(d, drugs)
            self.intake(d)
            if d % 14 == 13 or d == 0:  # a baseline on day one, then every two weeks
                self.phq9(d)
            self.clinic(d, esketamine)
        self.effects(drugs)
        self.records.sort(key=lambda r: r.logged_ms)
        return self.records

    def plan(self) -> list[_Drug]:
        """The treatment story: a failed SSRI trial, an SNRI, then augmentation."""
        s, v0, a0 = self.day, self.day(91), self.day(189)
        sertraline = _Drug(
            "Sertraline",
            "antidepressant",
            [(0, 50), (s(14), 100), (s(42), 150), (v0, 100), (v0 + s(7), 50)],
            stop=v0 + s(14),
            stop_reason="no_effect",
            notes="Seven weeks at 150 mg, no real change. Cross-tapered to venlafaxine.",
            effects=[(2, "nausea", 2), (5, "nausea", 1), (s(30), "sexual dysfunction", 2)],
        )
        sertraline.effects.append((v0 + s(14) + 2, "withdrawal", 2))
        venlafaxine = _Drug(
            "Venlafaxine XL",
            "antidepressant",
            [(v0, 75), (v0 + s(14), 150), (v0 + s(42), 225)],
            effects=[(v0 + 2, "nausea", 2), (v0 + s(20), "insomnia", 2)],
        )
        return [
            _Drug(
                "Citalopram",
                "antidepressant",
                [(-300, 20), (-250, 40)],
                stop=-130,
                stop_reason="side_effects",
                routine_time=None,
                notes="Some lift at 40 mg but emotional blunting; stopped with the GP.",
            ),
            sertraline,
            venlafaxine,
            _Drug(
                "Aripiprazole",
                "augmentation",
                [(a0, 2), (s(210), 5)],
                effects=[(a0 + 4, "restlessness", 2), (s(250), "weight gain", 1)],
                augments=venlafaxine,
            ),
            _Drug("Colecalciferol", "other", [(s(17), 1000)], unit="IU", notes="Vitamin D low."),
            _Drug("Zopiclone", "sleep", [(s(30), 3.75)], routine_time=None, as_needed=True),
        ]

    def esketamine_days(self) -> list[int]:
        first = self.day(252)
        offsets = [0, 3, 7, 10, 14, 17, 21, 24, 31, 38, 45, 52]
        return [first + o for o in offsets if first + o < self.days]

    def latent_mood(self, drugs: Sequence[_Drug], esketamine: Sequence[int]) -> None:
        """A slow-drifting mood level with bad stretches, lifted a little by what works."""
        sertraline, venlafaxine, aripiprazole = drugs[1], drugs[2], drugs[3]
        drift, left, depth, cause = 0.0, 0, 0.0, None
        for d in range(self.days):
            drift = drift * 0.93 + self.rng.gauss(0, 0.35)
            if left == 0 and self.chance(1 / 35):
                left, depth = self.rng.randint(5, 14), self.rng.uniform(1.2, 2.8)
                cause = self.rng.choice(_CAUSES)
            effect = 0.4 * _window(d, 7, 35, sertraline.steps[0][0])
            effect += 1.0 * _ramp(d, venlafaxine.steps[0][0] + 21, 35)
            effect += 0.6 * _ramp(d, aripiprazole.steps[0][0] + 10, 25)
            effect += sum(1.2 * math.exp(-(d - e) / 3) + 0.04 for e in esketamine if e <= d)
            if sertraline.stop is not None and 0 <= d - sertraline.stop < 7:
                effect -= 0.6
            self.level.append(3.1 + effect + drift - (depth if left else 0.0))
            self.stretch.append(cause if left else None)
            left = max(0, left - 1)

    def setup(self, drugs: list[_Drug]) -> None:
        first = self.local(0, 9 * 60)
        profile = {
            "display_name": "Sam",
            "tz": self.tz,
            "quiet_start": "22:30",
            "quiet_end": "07:30",
            "discreet_notifications": True,
        }
        if self.tz in _COUNTRIES:
            profile["country"] = _COUNTRIES[self.tz]
        self.add("profile", profile, first, PROFILE_ID)
        self.add("safety_plan", dict(_SAFETY_PLAN), first, SAFETY_PLAN_ID)
        for routine in (
            ("sleep", "Wind down, then bed", ["22:30", "23:00"], None),
            ("movement", "A little walk", ["12:30"], [1, 2, 3, 4, 5, 6, 7]),
            ("checkin", "Evening check-in", ["20:30"], None),
        ):
            values: dict[str, Any] = {"kind": routine[0], "title": routine[1], "tz": self.tz}
            values["times"] = routine[2]
            if routine[3]:
                values["days"] = routine[3]
            self.add("routine", values, first)
        for drug in drugs:
            self.medication(drug)

    def medication(self, drug: _Drug) -> None:
        started = drug.steps[0][0]
        if started >= self.days:
            return
        dose_changes = [
            {"on": self.date(on), "dose": dose, "unit": drug.unit}
            for on, dose in drug.steps
            if on < self.days
        ]
        values: dict[str, Any] = {
            "name": drug.name,
            "role": drug.role,
            "as_needed": drug.as_needed,
            "dose": dose_changes[-1]["dose"],
            "unit": drug.unit,
            "started_on": dose_changes[0]["on"],
            "dose_changes": dose_changes,
        }
        if drug.stop is not None and drug.stop < self.days:
            values["stopped_on"] = self.date(drug.stop)
            values["stop_reason"] = drug.stop_reason
        if drug.notes:
            values["notes"] = drug.notes
        if drug.augments is not None and drug.augments.record_id:
            values["augments"] = drug.augments.record_id
        if drug.routine_time:
            values["schedule_note"] = f"Every morning at {drug.routine_time}"
        logged = self.local(max(0, started), 7 * 60 + 30)
        drug.record_id = self.add("medication", values, logged)
        logged += timedelta(minutes=2)
        if drug.routine_time:
            routine = {
                "kind": "medication",
                "title": drug.name,
                "times": [drug.routine_time],
                "tz": self.tz,
                "enabled": "stopped_on" not in values,
                "medication_id": drug.record_id,
            }
            drug.routine_id = self.add("routine", routine, logged)

    def sleep(self, d: int) -> None:
        """Last night (night_of the day before), written up after waking on day `d`."""
        stretch = self.stretch[d] is not None
        night = d - 1
        weekend = (self.start + timedelta(days=night)).isoweekday() in (5, 6)
        bed = 23 * 60 + 20 + (35 if weekend else 0) + self.rng.gauss(0, 100 if stretch else 30)
        hours = self.rng.gauss(7.1 - (0.7 if stretch else 0), 0.9)
        mood = (self.level[d] - 3) * 0.3 + self.rng.gauss(0, 0.6)
        quality = _clamp(1 + (hours - 4.5) * 0.8 + mood, 1, 5)
        self.sleep_quality[d] = quality
        if night < 0 or not self.chance(0.9 - (0.15 if stretch else 0)):
            return
        wake = self.local(night, bed + hours * 60)
        values: dict[str, Any] = {
            "night_of": self.date(night),
            "bed_at": self.at(night, bed),
            "wake_at": wake.isoformat(timespec="seconds"),
            "quality": quality,
            "awakenings": _clamp(self.rng.gauss(3.4 - quality * 0.6, 1), 0, 100),
        }
        if self.chance(0.12):
            values["nap_minutes"] = self.rng.choice([20, 30, 45, 60, 90])
        if quality <= 2 and self.chance(0.2):
            values["note"] = self.rng.choice(["Awake from 3 to 5.", "Racing thoughts."])
        self.add("sleep", values, wake + timedelta(minutes=self.rng.randint(5, 90)))

    def checkins(self, d: int) -> None:
        cause = self.stretch[d]
        if not self.chance(0.88 - (0.2 if cause else 0)):
            return
        times = [self.rng.gauss(21 * 60, 45)]
        if self.chance(0.15):
            times.insert(0, self.rng.gauss(9 * 60, 40))
        quality = self.sleep_quality[d]
        for minutes in times:
            mood = _clamp(self.level[d] + 0.3 * (quality - 3) + self.rng.gauss(0, 0.8), 0, 10)
            values: dict[str, Any] = {
                "at": self.at(d, minutes),
                "mood": mood,
                "anxiety": _clamp(
                    6.5 - 0.5 * (mood - 3) + (1 if cause else 0) + self.rng.gauss(0, 1.1), 0, 10
                ),
                "energy": _clamp(
                    0.6 * mood + 0.5 * (quality - 3) + 1 + self.rng.gauss(0, 1), 0, 10
                ),
            }
            if self.chance(0.3):
                values["elevated"] = 0 if self.chance(0.7) else 1
                if self.chance(0.05):
                    values["elevated"] = self.rng.randint(4, 6)
            if self.chance(0.4) or values.get("elevated", 0) >= 4:
                poor = 2 if quality <= 2 else 0
                values["irritability"] = _clamp(
                    1.5 + poor + (2 if cause == "Conflict" else 0) + self.rng.gauss(0, 1.2), 0, 10
                )
            tags = self.tags(d, cause, quality)
            if tags:
                values["tags"] = tags
            if self.chance(0.18):
                band = "low" if mood <= 3 else "mid" if mood <= 5 else "high"
                values["note"] = self.rng.choice(_NOTES[band])
                values["share_note"] = self.chance(0.3)
            self.add("checkin", values, self.local(d, minutes))

    def tags(self, d: int, cause: str | None, quality: int) -> list[str]:
        tags = []
        if cause and self.chance(0.5):
            tags.append(cause)
        if quality <= 2 and self.chance(0.6):
            tags.append("Poor sleep")
        if (d - 1 in self.drank or d in self.drank) and self.chance(0.5):
            tags.append("Alcohol")
        if (self.start + timedelta(days=d)).isoweekday() <= 5 and self.chance(0.15):
            tags.append("Work")
        if self.chance(0.08):
            tags.append(self.rng.choice(_EXTRA_TAGS))
        return list(dict.fromkeys(tags))

    def movement(self, d: int) -> None:
        if not self.chance(min(0.7, max(0.1, 0.25 + 0.07 * (self.level[d] - 3)))):
            return
        kind = self.rng.choices(
            ["walk", "housework", "yoga", "cycle", "gym", "run"], [60, 15, 10, 7, 5, 3]
        )[0]
        minutes = self.rng.randint(10, 60)
        intensity = "light" if kind in ("walk", "yoga", "housework") else "moderate"
        when = self.rng.uniform(10 * 60, 18 * 60)
        values = {"at": self.at(d, when), "minutes": minutes, "kind": kind, "intensity": intensity}
        self.add("activity", values, self.local(d, when + minutes))

    def doses(self, d: int, drugs: Sequence[_Drug]) -> None:
        stretch = self.stretch[d] is not None
        for drug in drugs:
            dose = drug.dose_on(d)
            if dose is None or not drug.record_id:
                continue
            if drug.as_needed:
                if self.sleep_quality[d] <= 2 and self.chance(0.3):
                    values = {"medication_id": drug.record_id, "status": "taken", "amount": dose}
                    self.event(d, "dose", {**values, "unit": drug.unit}, 23 * 60 + 15, spread=50)
                continue
            roll = self.rng.random()
            if drug.routine_time is None or roll >= 0.97:
                continue  # forgotten and never logged: adherence counts it as missed
            taken = roll < (0.85 if stretch else 0.93)
            hour, minute = (int(part) for part in drug.routine_time.split(":"))
            scheduled = self.local(d, hour * 60 + minute)
            values = {
                "medication_id": drug.record_id,
                "status": "taken" if taken else "skipped",
                "routine_id": drug.routine_id,
                "occurrence": occurrence_key(
                    drug.routine_id, self.start + timedelta(days=d), hour, minute, scheduled
                ),
            }
            if taken:
                values.update(amount=dose, unit=drug.unit)
            self.event(d, "dose", values, hour * 60 + minute, spread=75 if taken else 120)

    def intake(self, d: int) -> None:
        stretch = self.stretch[d] is not None
        if self.chance(0.18 + (0.2 if stretch else 0)):
            self.drank.add(d)
            amount = self.rng.choice([1, 1.5, 2, 2, 3, 4, 6])
            self.event(d, "intake", {"kind": "alcohol", "amount": amount}, 19 * 60, spread=180)
        if self.chance(0.35):
            amount = self.rng.randint(1, 3)
            self.event(d, "intake", {"kind": "caffeine", "amount": amount}, 8 * 60, spread=90)
        if not self.chance(0.55):
            return
        for minutes, p in (
            (7 * 60 + 45, 0.6 - (0.3 if stretch else 0)),
            (12 * 60, 0.8),
            (18 * 60, 0.95),
        ):
            if self.chance(p):
                self.event(d, "intake", {"kind": "meal", "amount": 1}, minutes, spread=90)

    def phq9(self, d: int) -> None:
        window = range(max(0, d - 13), d + 1)
        level = sum(self.level[i] for i in window) / len(window)
        sleep = sum(self.sleep_quality[i] for i in window) / len(window)
        expected = 3 * (8 - level) / 7
        answers = [_clamp(expected + self.rng.gauss(0, 0.6), 0, 3) for _ in range(9)]
        answers[2] = _clamp(3.5 - sleep * 0.7 + self.rng.gauss(0, 0.4), 0, 3)
        answers[8] = 0
        if level < 2.6 and self.chance(0.3):
            answers[8] = 2
        elif (level < 3.3 and self.chance(0.5)) or (level < 4.5 and self.chance(0.1)):
            answers[8] = 1
        when = self.rng.gauss(20 * 60, 40)
        values = {
            "at": self.at(d, when),
            "instrument": "phq9",
            "answers": answers,
            "difficulty": _clamp(expected * 0.9 + self.rng.gauss(0, 0.4), 0, 3),
        }
        self.add("assessment", values, self.local(d, when))

    def clinic(self, d: int, esketamine: Sequence[int]) -> None:
        s = self.day
        if d in esketamine:
            systolic, diastolic = self.rng.randint(118, 132), self.rng.randint(74, 84)
            rise = (self.rng.randint(8, 24), self.rng.randint(4, 12))
            values: dict[str, Any] = {
                "type": "esketamine",
                "bp_before": f"{systolic}/{diastolic}",
                "bp_after": f"{systolic + rise[0]}/{diastolic + rise[1]}",
                "dissociation": self.rng.randint(3, 7),
                "felt_after": _clamp(self.level[d] + 1 + self.rng.gauss(0, 1), 0, 10),
            }
            if self.chance(0.4):
                values["note"] = self.rng.choice(_SESSION_NOTES)
            self.event(d, "session", values, 10 * 60, delay=60)
        if d >= s(21) and (d - s(21)) % 14 == 0:
            felt = _clamp(self.level[d] + 0.5, 0, 10)
            values = {"type": "therapy", "felt_after": felt, "note": "CBT: activity planning."}
            self.event(d, "session", values, 15 * 60, delay=60)
        for day, test, value, unit in _LABS:
            if d == s(day):
                values = {"on": self.date(d), "test": test, "value": value, "unit": unit}
                self.add("lab", values, self.local(d, 17 * 60))
        if d % 42 == 20:
            values = {"with": "Psychiatrist", "place": "Community mental health team"}
            self.event(d, "appointment", values, 11 * 60, delay=60)
            values = {"text": self.rng.choice(_QUESTIONS), "answered": d + 42 < self.days}
            self.add("question", values, self.local(d - 3, 21 * 60))
        if d % 28 == 5:
            kg = round(78 + 0.012 * max(0, d - s(189)) + self.rng.gauss(0, 0.4), 1)
            self.event(d, "measurement", {"type": "weight", "value": kg, "unit": "kg"}, 450)
            if d >= s(91):
                bp = f"{self.rng.randint(122, 138)}/{self.rng.randint(78, 90)}"
                values = {"type": "blood_pressure", "value": bp, "unit": "mmHg"}
                self.event(d, "measurement", values, 460)

    def effects(self, drugs: Sequence[_Drug]) -> None:
        for drug in drugs:
            for day, name, severity in drug.effects:
                if drug.record_id and 0 <= day < self.days:
                    when = self.rng.uniform(12 * 60, 21 * 60)
                    values = {"medication_id": drug.record_id, "name": name, "severity": severity}
                    self.event(day, "effect", values, when)


def _ramp(day: int, start: int, length: int) -> float:
    return min(1.0, max(0.0, (day - start) / length))


def _window(day: int, rise: int, fade: int, start: int) -> float:
    """A brief early lift (the first weeks on a new drug) that fades again."""
    elapsed = day - start
    if elapsed < 0 or elapsed > fade:
        return 0.0
    return min(1.0, elapsed / rise) * (1 - elapsed / fade)
