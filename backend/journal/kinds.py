"""Record kinds v1 (data.md): one msgspec Struct per kind; a field without a default is required.

`gc=False`: a kind holds JSON values only (never a reference cycle), and reading a year of
one person's journal makes ~15,000 of them, which the cyclic collector would otherwise scan
again and again (make bench: insights).
"""

from typing import Any, Literal

import msgspec

from backend.journal.fieldtypes import (
    Answers,
    Awakenings,
    BloodPressure,
    ClockTime,
    Country,
    DoseChanges,
    Drinks,
    EventDate,
    EventDateTime,
    FollowUpMinutes,
    Label,
    LocalDate,
    LocalDateTime,
    MeasurementValue,
    Minutes,
    Name,
    NapMinutes,
    Note,
    Quality5,
    Quantity,
    Reading,
    RecordRef,
    RequiredText,
    Score3,
    Score10,
    Tags,
    Text,
    Times,
    TimeZone,
    Unit,
    Weekdays,
    all_week,
)

CURRENT_SCHEMA_VERSION = 1

PROFILE_ID = "00000000-0000-0000-0000-000000000001"
SAFETY_PLAN_ID = "00000000-0000-0000-0000-000000000002"
SINGLETON_IDS: dict[str, str] = {"profile": PROFILE_ID, "safety_plan": SAFETY_PLAN_ID}


def follow_up_default(routine_kind: Any) -> int:
    """Minutes before one re-nudge: a missed dose matters, a missed walk does not."""
    return 30 if routine_kind == "medication" else 0


class Checkin(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    mood: Score10
    anxiety: Score10 | None = None
    energy: Score10 | None = None
    elevated: Score10 | None = None
    irritability: Score10 | None = None
    tags: Tags | None = None
    note: Note | None = None
    share_note: bool = False


class Sleep(msgspec.Struct, kw_only=True, gc=False):
    night_of: EventDate
    bed_at: EventDateTime | None = None
    wake_at: EventDateTime | None = None
    quality: Quality5 | None = None
    awakenings: Awakenings | None = None
    nap_minutes: NapMinutes | None = None
    note: Note | None = None


class Activity(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    minutes: Minutes
    kind: Literal["walk", "run", "cycle", "gym", "yoga", "housework", "other"] | None = None
    intensity: Literal["light", "moderate", "vigorous"] | None = None


class Medication(msgspec.Struct, kw_only=True, gc=False):
    name: Name
    as_needed: bool | None = None
    role: (
        Literal[
            "antidepressant",
            "augmentation",
            "antipsychotic",
            "mood_stabilizer",
            "thyroid",
            "sleep",
            "other",
        ]
        | None
    ) = None
    dose: Quantity | None = None
    unit: Unit | None = None
    schedule_note: Text | None = None
    started_on: LocalDate | None = None
    stopped_on: LocalDate | None = None
    stop_reason: Literal["side_effects", "no_effect", "partial_effect", "cost", "other"] | None = (
        None
    )
    dose_changes: DoseChanges | None = None
    # The medication this one is added to (an augmentation or combination), by record id.
    augments: RecordRef | None = None
    notes: Note | None = None


class Dose(msgspec.Struct, kw_only=True, gc=False):
    medication_id: RecordRef
    at: EventDateTime
    status: Literal["taken", "skipped"]
    amount: Quantity | None = None
    unit: Unit | None = None
    routine_id: RecordRef | None = None
    occurrence: Label | None = None


class Effect(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    medication_id: RecordRef | None = None
    name: Name
    severity: Score3
    note: Note | None = None


class Intake(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    kind: Literal["alcohol", "caffeine", "meal", "other"]
    amount: Drinks | None = None
    note: Note | None = None


class Assessment(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    instrument: Literal["phq9", "gad7"]
    answers: Answers
    difficulty: Score3 | None = None


class Session(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    type: Literal[
        "esketamine", "ketamine", "ect", "rtms", "tms_theta", "vns", "dbs", "therapy", "other"
    ]
    bp_before: BloodPressure | None = None
    bp_after: BloodPressure | None = None
    dissociation: Score10 | None = None
    felt_after: Score10 | None = None
    note: Note | None = None


class Lab(msgspec.Struct, kw_only=True, gc=False):
    on: EventDate
    test: Literal["tsh", "vitamin_d", "lithium_level", "other"]
    value: Reading
    unit: Unit | None = None
    note: Note | None = None


class Routine(msgspec.Struct, kw_only=True, gc=False):
    kind: Literal["medication", "sleep", "movement", "checkin", "custom"]
    title: Name
    times: Times
    days: Weekdays = msgspec.field(default_factory=all_week)
    tz: TimeZone
    enabled: bool = True
    medication_id: RecordRef | None = None
    # None means "the default for this routine kind", filled in below.
    follow_up_minutes: FollowUpMinutes | None = None

    def __post_init__(self) -> None:
        if self.follow_up_minutes is None:
            self.follow_up_minutes = follow_up_default(self.kind)


class Profile(msgspec.Struct, kw_only=True, gc=False):
    display_name: Label | None = None
    country: Country | None = None
    tz: TimeZone | None = None
    quiet_start: ClockTime | None = None
    quiet_end: ClockTime | None = None
    discreet_notifications: bool = True


class SafetyPlan(msgspec.Struct, kw_only=True, gc=False):
    warning_signs: Text | None = None
    coping: Text | None = None
    distractions: Text | None = None
    people_to_ask: Text | None = None
    professionals: Text | None = None
    safe_environment: Text | None = None


class Appointment(msgspec.Struct, kw_only=True, gc=False):
    at: LocalDateTime
    with_: Label | None = msgspec.field(default=None, name="with")
    place: Label | None = None
    note: Note | None = None


class Measurement(msgspec.Struct, kw_only=True, gc=False):
    at: EventDateTime
    type: Literal["weight", "blood_pressure", "heart_rate", "other"]
    value: MeasurementValue
    unit: Unit | None = None


class Question(msgspec.Struct, kw_only=True, gc=False):
    text: RequiredText
    answered: bool | None = None


KINDS: dict[str, type[msgspec.Struct]] = {
    "checkin": Checkin,
    "sleep": Sleep,
    "activity": Activity,
    "medication": Medication,
    "dose": Dose,
    "effect": Effect,
    "intake": Intake,
    "assessment": Assessment,
    "session": Session,
    "lab": Lab,
    "routine": Routine,
    "profile": Profile,
    "safety_plan": SafetyPlan,
    "appointment": Appointment,
    "measurement": Measurement,
    "question": Question,
}
