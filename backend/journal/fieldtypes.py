"""Field types for journal records: each says what it is and carries its rule for people."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

import msgspec
from msgspec import Meta

NOTE_MAX_BYTES = 32 * 1024
TEXT_MAX_BYTES = 4 * 1024
# Patterns end in \Z, not $: msgspec uses re.search, and $ also matches before a final "\n".
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
# msgspec also accepts a space or lower-case "t"/"z"; stored strings are read by every
# browser's Date parser, so only the strict RFC 3339 spelling is let through.
_LOCAL_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
# Names that zoneinfo can load but that are not a place a person lives in.
_NOT_PLACE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@dataclass(frozen=True)
class Check:
    """A rule msgspec cannot express, run on the JSON value after msgspec accepted it.

    `js` is the same rule as data for the app's generated rules module (`jsrules.py`), so the
    phone refuses exactly what the server would.
    """

    test: Callable[[Any], bool]
    code: str
    js: tuple[tuple[str, Any], ...] = ()  # (key, value) pairs: annotations must be hashable


@dataclass(frozen=True)
class NotFuture:
    """Marks the time of a logged event: more than `slack` ahead of the server's clock is a
    typo (a wrong year or month), never something that already happened."""

    slack: dt.timedelta = dt.timedelta(days=1)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_PLACE_ZONES


def is_time_zone(name: Any) -> bool:
    """True for an IANA zone name the server's tz database knows (Europe/Paris, UTC)."""
    return isinstance(name, str) and name in _known_zones()


def _max_utf8_bytes(limit: int) -> Check:
    return Check(
        lambda text: len(text.encode("utf-8")) <= limit, "too-long", js=(("maxBytes", limit),)
    )


LocalDateTime = Annotated[
    dt.datetime,
    Meta(
        tz=True,
        description="a local date and time with its UTC offset, like 2026-11-27T08:05:00+01:00",
    ),
    Check(
        lambda raw: _LOCAL_DATETIME_RE.fullmatch(raw) is not None,
        "invalid-field",
        js=(("pattern", f"^{_LOCAL_DATETIME_RE.pattern}$"),),
    ),
]
# The time of something that happened (a check-in, a dose): not more than a day ahead.
EventDateTime = Annotated[LocalDateTime, NotFuture()]
LocalDate = Annotated[dt.date, Meta(description="a date like 2026-11-27")]
EventDate = Annotated[LocalDate, NotFuture()]
ClockTime = Annotated[
    str,
    Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z",
        description="a time of day like 08:00 (HH:MM, 24-hour)",
    ),
]
TimeZone = Annotated[
    str,
    Meta(min_length=1, max_length=64, description="an IANA time zone name like Europe/Paris"),
    Check(is_time_zone, "invalid-field", js=(("zone", True),)),
]
Weekdays = Annotated[
    list[Annotated[int, Meta(ge=1, le=7)]],
    Meta(
        min_length=1,
        max_length=7,
        description="a list of 1 to 7 ISO weekdays, each from 1 (Monday) to 7 (Sunday)",
    ),
]
RecordRef = Annotated[
    str,
    Meta(
        pattern=UUID_PATTERN,
        description=(
            "the id of a record: a lower-case UUID like 0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"
        ),
    ),
]
BloodPressure = Annotated[
    str,
    Meta(
        pattern=r"^[1-9][0-9]{1,2}/[1-9][0-9]{1,2}\Z",
        description='a blood pressure like "120/80" (systolic/diastolic)',
    ),
]
Score10 = Annotated[int, Meta(ge=0, le=10, description="an integer from 0 to 10")]
Score3 = Annotated[int, Meta(ge=0, le=3, description="an integer from 0 to 3")]
Quality5 = Annotated[int, Meta(ge=1, le=5, description="an integer from 1 to 5")]
Awakenings = Annotated[int, Meta(ge=0, le=100, description="an integer from 0 to 100")]
Minutes = Annotated[
    int, Meta(ge=1, le=1440, description="a whole number of minutes from 1 to 1440")
]
NapMinutes = Annotated[
    int, Meta(ge=0, le=1440, description="a whole number of minutes from 0 to 1440")
]
FollowUpMinutes = Annotated[
    int, Meta(ge=0, le=720, description="a whole number of minutes from 0 to 720")
]
Quantity = Annotated[float, Meta(ge=0, le=1_000_000, description="a number from 0 to 1000000")]
Drinks = Annotated[float, Meta(ge=0, le=1000, description="a number from 0 to 1000")]
Reading = Annotated[
    float, Meta(ge=-1e9, le=1e9, description="a number from -1000000000 to 1000000000")
]
Tags = Annotated[
    list[Annotated[str, Meta(min_length=1, max_length=64)]],
    Meta(max_length=50, description="a list of at most 50 tags, each 1 to 64 characters"),
]
Note = Annotated[
    str,
    Meta(max_length=NOTE_MAX_BYTES, description="text of at most 32 KiB (32768 bytes as UTF-8)"),
    _max_utf8_bytes(NOTE_MAX_BYTES),
]
Text = Annotated[
    str,
    Meta(max_length=TEXT_MAX_BYTES, description="text of at most 4 KiB (4096 bytes as UTF-8)"),
    _max_utf8_bytes(TEXT_MAX_BYTES),
]
RequiredText = Annotated[
    str,
    Meta(
        pattern=r"\S",
        max_length=TEXT_MAX_BYTES,
        description="text that is not blank, at most 4 KiB (4096 bytes as UTF-8)",
    ),
    _max_utf8_bytes(TEXT_MAX_BYTES),
]
Name = Annotated[
    str,
    Meta(pattern=r"\S", max_length=200, description="a name of 1 to 200 characters, not blank"),
]
Label = Annotated[str, Meta(max_length=200, description="text of at most 200 characters")]
Unit = Annotated[str, Meta(max_length=32, description="a unit of at most 32 characters, like mg")]
Country = Annotated[
    str,
    Meta(
        pattern=r"^[A-Z]{2}\Z",
        description="a two-letter upper-case country code (ISO 3166-1), like GB",
    ),
]
ANSWER_COUNTS: dict[str, int] = {"phq9": 9, "gad7": 7}
Answers = Annotated[
    list[Score3],
    Meta(
        min_length=7,
        max_length=9,
        description="a list of 9 answers (phq9) or 7 answers (gad7), each an integer from 0 to 3",
    ),
    Check(
        lambda answers: len(answers) in ANSWER_COUNTS.values(),
        "invalid-field",
        js=(("lengths", tuple(sorted(ANSWER_COUNTS.values()))),),
    ),
]
Times = Annotated[
    list[ClockTime],
    Meta(min_length=1, max_length=24, description="a list of 1 to 24 times of day like 08:00"),
]
MeasurementValue = Annotated[
    Reading | BloodPressure,
    Meta(description='a number, or for blood_pressure a reading like "120/80"'),
]


def all_week() -> list[int]:
    """The default of routine.days: every ISO weekday."""
    return [1, 2, 3, 4, 5, 6, 7]


class DoseChange(msgspec.Struct, kw_only=True, gc=False):
    on: LocalDate
    dose: Quantity
    unit: Unit | None = None


DoseChanges = Annotated[
    list[DoseChange],
    Meta(
        max_length=200,
        description=(
            "a list of at most 200 dose steps, each with on (a date like 2026-11-27), "
            "dose (a number from 0 to 1000000) and an optional unit"
        ),
    ),
]
