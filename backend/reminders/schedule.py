"""Routine occurrences in local wall time, DST-safe: pure functions of the routine and a window."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from backend.journal.kinds import Routine, follow_up_default
from backend.journal.specs import decode_record

# [0-9] rather than \d: \d would accept non-ASCII digits.
_HHMM_RE = re.compile(r"([0-9]{2}):([0-9]{2})")
# Whole days between the scheduled local date and the local date the reminder fires on can differ
# by one (a gap can push a time past midnight, a fall-back at midnight can pull the local date
# back), so the scan covers a margin on both sides and the exact window test does the rest.
_DAY_MARGIN = 2
_EVERY_DAY = frozenset(range(1, 8))


class RoutineSpec(msgspec.Struct, frozen=True):
    """What the scheduler needs from a routine record."""

    id: str
    kind: str
    title: str
    times: tuple[str, ...]
    days: frozenset[int] | None
    tz: str
    enabled: bool = True
    medication_id: str | None = None
    follow_up_minutes: int | None = None


class Occurrence(msgspec.Struct, frozen=True):
    """One reminder: `local` is the instant it fires seen in the routine's zone."""

    routine_id: str
    key: str
    local: datetime
    due_at: datetime


def parse_hhmm(text: object) -> tuple[int, int]:
    """Parse a 24-hour "HH:MM" wall time, raising ValueError on anything else."""
    if not isinstance(text, str):
        raise ValueError(f"time must be a string, got {type(text).__name__}")
    m = _HHMM_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"time must be HH:MM, got {text!r}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"time out of range: {text!r}")
    return hour, minute


def load_zone(tz: object) -> ZoneInfo:
    """Return the IANA zone named `tz`, raising ValueError when there is none."""
    # "localtime" is the server's own zone, not a place the person can be in; the "right/" copies
    # of the system database count leap seconds and would put every reminder ~27 s off.
    if not isinstance(tz, str) or tz == "localtime" or tz.startswith("right/"):
        raise ValueError(f"unknown time zone: {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone: {tz!r}") from exc


def wall_time_instant(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant the wall time `day hour:minute` first shows in `zone`.

    A repeated wall time (fall-back) gives its first occurrence; a skipped one (spring-forward
    gap) gives the end of the gap, i.e. the instant of the transition.
    """
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    return _gap_end(wall, instant, zone)


def _gap_end(wall: datetime, later: datetime, zone: ZoneInfo) -> datetime:
    # In a gap fold=0 reads the wall with the offset before the jump and fold=1 with the offset
    # after it, so the transition lies in (earlier, later]; zoneinfo exposes no transition list,
    # hence a binary search over whole seconds (TZif transitions are whole seconds).
    earlier = wall.replace(fold=1).astimezone(UTC)
    after_offset = later.astimezone(zone).utcoffset()
    lo, hi = int(earlier.timestamp()), int(later.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == after_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _format_offset(offset: timedelta | None) -> str:
    seconds = int((offset or timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text


def occurrence_key(routine_id: str, day: date, hour: int, minute: int, fired: datetime) -> str:
    """`<routine_id>@<scheduled wall time><offset in force when it fires>`."""
    offset = _format_offset(fired.utcoffset())
    return f"{routine_id}@{day.isoformat()}T{hour:02d}:{minute:02d}{offset}"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def next_occurrences(routine: RoutineSpec, after: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence with after < due_at <= until, sorted by due_at."""
    _require_aware("after", after)
    _require_aware("until", until)
    if not routine.enabled or until <= after:
        return []
    zone = load_zone(routine.tz)
    times = sorted({parse_hhmm(t) for t in routine.times})
    days = routine.days or None
    first_day = after.astimezone(zone).date() - timedelta(days=_DAY_MARGIN)
    last_day = until.astimezone(zone).date() + timedelta(days=_DAY_MARGIN)
    found: list[Occurrence] = []
    day = first_day
    while day <= last_day:
        if days is None or day.isoweekday() in days:
            for hour, minute in times:
                due_at = wall_time_instant(day, hour, minute, zone)
                if after < due_at <= until:
                    local = due_at.astimezone(zone)
                    key = occurrence_key(routine.id, day, hour, minute, local)
                    found.append(Occurrence(routine.id, key, local, due_at))
        day += timedelta(days=1)
    # Times in one gap share an instant; the key breaks the tie so the order is total.
    found.sort(key=lambda occ: (occ.due_at, occ.key))
    return found


def follow_up_minutes(routine: RoutineSpec) -> int:
    """Minutes from a sent reminder to its single re-nudge; 0 when the routine has none."""
    minutes = routine.follow_up_minutes
    if minutes is None:
        minutes = follow_up_default(routine.kind)
    return max(minutes, 0)


def follow_up_due(occ: Occurrence, routine: RoutineSpec) -> datetime | None:
    """When the single re-nudge is due, or None when the routine has none."""
    minutes = follow_up_minutes(routine)
    if minutes <= 0:
        return None
    return occ.due_at + timedelta(minutes=minutes)


def live_routine(routine: RoutineSpec | None) -> RoutineSpec | None:
    """The routine while it still reminds: not deleted or unschedulable (None), and enabled."""
    return routine if routine is not None and routine.enabled else None


def has_occurrence(routine: RoutineSpec, key: str, near: datetime) -> bool:
    """Whether `key` is still one of the routine's occurrences (its times, days and zone).

    `near` is when that occurrence was due; quiet hours can have moved a reminder up to a
    day from its scheduled time, so the window is generous, and the key decides.
    """
    window = timedelta(days=2)
    return any(occ.key == key for occ in next_occurrences(routine, near - window, near + window))


def follow_up_after_edit(
    routine: RoutineSpec | None, key: str, sent_due: datetime
) -> datetime | None:
    """When a waiting follow-up is due after its routine changed, or None to drop it.

    The reminder for `key` (due at `sent_due`) already went out and its re-nudge waits: an
    edit keeps it unless the edit makes it moot, that is the routine is deleted or off, has
    no follow-up any more, or no longer has this occurrence (the time moved or the day was
    dropped: the person expects the new time, not a nag about the old one). A changed delay
    counts from the reminder that was sent, as the first one did.
    """
    if routine is None or not routine.enabled:
        return None
    minutes = follow_up_minutes(routine)
    if minutes <= 0 or not has_occurrence(routine, key, sent_due):
        return None
    return sent_due + timedelta(minutes=minutes)


def routine_spec(record_id: str, routine: Routine) -> RoutineSpec | None:
    """What the scheduler needs from a routine decoded by `backend.journal.specs`.

    The journal's rules (and defaults: every day, enabled, the follow-up of its kind) are
    the only ones; this maps them, normalising the times. None only when the scheduler
    itself cannot read a time or the zone, which the rules should have refused already:
    a stored record must never make the scheduler raise.
    """
    try:
        times = sorted({parse_hhmm(t) for t in routine.times})
        load_zone(routine.tz)
    except ValueError:
        return None
    days = frozenset(routine.days)
    return RoutineSpec(
        id=record_id,
        kind=routine.kind,
        title=routine.title,
        times=tuple(f"{h:02d}:{m:02d}" for h, m in times),
        days=None if days == _EVERY_DAY else days,
        tz=routine.tz,
        enabled=routine.enabled,
        medication_id=routine.medication_id,
        follow_up_minutes=routine.follow_up_minutes,
    )


def routine_from_fields(record_id: str, values: Mapping[str, Any]) -> RoutineSpec | None:
    """The RoutineSpec of a routine record's plain values, or None when it cannot be scheduled
    (incomplete, or any value the journal's rules refuse: see `decode_record`)."""
    routine = decode_record("routine", values)
    return routine_spec(record_id, routine) if isinstance(routine, Routine) else None


def _inside_quiet(at: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= at < end
    return at >= start or at < end


def apply_quiet_hours(
    due_at: datetime, *, tz: str, quiet_start: str | None, quiet_end: str | None
) -> datetime:
    """Delay `due_at` to the end of quiet hours [quiet_start, quiet_end) in `tz` if inside them.

    "Inside" reads the wall clock at `due_at`; the release is the next time after it that the
    clock reads quiet_end, or the end of the DST gap that skips it. Equal start and end mean no
    quiet hours.
    """
    _require_aware("due_at", due_at)
    if quiet_start is None or quiet_end is None:
        return due_at
    zone = load_zone(tz)
    start, end = time(*parse_hhmm(quiet_start)), time(*parse_hhmm(quiet_end))
    local = due_at.astimezone(zone)
    at = local.time()
    if start == end or not _inside_quiet(at, start, end):
        return due_at
    # The clock reads quiet_end next on this local date or the following one; on a fall-back
    # day it can read it twice, and the second showing may be the next one after due_at.
    releases = [
        shown
        for day in (local.date(), local.date() + timedelta(days=1))
        for shown in _showings(day, end, zone)
        if shown > due_at
    ]
    return min(releases, default=due_at)


def _showings(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    first = wall_time_instant(day, wall.hour, wall.minute, zone)
    second = datetime.combine(day, wall, tzinfo=zone).replace(fold=1)
    # fold=1 names a second showing only where the wall time really repeats.
    if second.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == second.replace(tzinfo=None):
        return [first, second.astimezone(UTC)]
    return [first]


def effective_due_at(
    occ: Occurrence,
    routine: RoutineSpec,
    *,
    profile_tz: str | None,
    quiet_start: str | None,
    quiet_end: str | None,
) -> datetime:
    """When to send: medication on time always, anything else after the profile's quiet hours.

    The profile is read in its own zone, falling back to the routine's; a malformed profile
    never holds a reminder back.
    """
    if routine.kind == "medication":
        return occ.due_at
    tz = routine.tz
    if profile_tz is not None:
        try:
            load_zone(profile_tz)
            tz = profile_tz
        except ValueError:
            pass
    try:
        return apply_quiet_hours(occ.due_at, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)
    except ValueError:
        return occ.due_at
