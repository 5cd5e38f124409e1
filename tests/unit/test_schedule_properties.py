"""Property tests: the scheduler against a minute-by-minute walk of the clock in many zones."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.reminders.schedule import (
    Occurrence,
    RoutineSpec,
    apply_quiet_hours,
    next_occurrences,
    parse_hhmm,
)

MINUTE = timedelta(minutes=1)
# Zones with unusual rules: 30-minute DST, DST at midnight, negative DST, a skipped day,
# a two-hour DST, quarter-hour offsets, no DST at all.
AWKWARD_ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Havana",
    "America/Santiago",
    "Asia/Tehran",
    "Africa/Casablanca",
    "Europe/Dublin",
    "America/St_Johns",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Antarctica/Troll",
    "Asia/Kathmandu",
    "UTC",
]
# "localtime" and the leap-second "right/" copies are refused by the scheduler (see load_zone).
zones = st.sampled_from(AWKWARD_ZONES) | st.timezone_keys().filter(
    lambda k: k != "localtime" and not k.startswith("right/")
)


@functools.cache
def _offset_changes(key: str, year: int) -> tuple[datetime, ...]:
    """Instants, to the minute, where the zone's offset changes during `year`."""
    zone = ZoneInfo(key)
    t = datetime(year, 1, 1, tzinfo=UTC)
    found = []
    prev = t.astimezone(zone).utcoffset()
    while t.year == year:
        t += timedelta(hours=6)
        offset = t.astimezone(zone).utcoffset()
        if offset != prev:
            lo, hi = t - timedelta(hours=6), t
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) // 2
                lo, hi = (lo, mid) if mid.astimezone(zone).utcoffset() == offset else (mid, hi)
            found.append(hi)
            prev = offset
    return tuple(found)


def _hhmm(wall: datetime) -> str:
    return f"{wall.hour:02d}:{wall.minute:02d}"


@st.composite
def scenarios(draw: st.DrawFn, max_days: int = 3) -> tuple[RoutineSpec, datetime, datetime]:
    """A routine and a window, often straddling an offset change with times in its gap/fold."""
    key = draw(zones)
    zone = ZoneInfo(key)
    # From 1990 on no zone has a seconds-level offset, so every wall minute is a UTC minute.
    year = draw(st.integers(1990, 2037))
    changes = _offset_changes(key, year)
    times = draw(
        st.lists(
            st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
            max_size=3,
        )
    )
    near_change = draw(st.booleans())
    if changes and near_change:
        centre = draw(st.sampled_from(changes)) + timedelta(minutes=draw(st.integers(-360, 0)))
        # Wall times just around the change land in its gap or its repeated hour.
        pivot = centre.astimezone(zone)
        times += [_hhmm(pivot + timedelta(minutes=draw(st.integers(-120, 480))))]
    else:
        centre = datetime(year, 1, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 364 * 86400))
        )
    if not times:
        times = ["08:00"]
    after = centre - timedelta(seconds=draw(st.integers(0, 2 * 86400)))
    until = after + timedelta(seconds=draw(st.integers(0, max_days * 86400)))
    days = draw(st.none() | st.frozensets(st.integers(1, 7), min_size=1))
    spec = RoutineSpec(
        id="r", kind="custom", title="t", times=tuple(times), days=days, tz=key, enabled=True
    )
    return spec, after, until


def _walk_the_clock(r: RoutineSpec, after: datetime, until: datetime) -> dict[str, datetime]:
    """Expected key -> due_at, found by reading the local clock at every UTC minute."""
    zone = ZoneInfo(r.tz)
    wanted = {parse_hhmm(t) for t in r.times}
    expected: dict[str, datetime] = {}
    t = after.replace(second=0, microsecond=0) + MINUTE
    prev_wall = (t - MINUTE).astimezone(zone).replace(tzinfo=None)
    while t <= until:
        local = t.astimezone(zone)
        wall = local.replace(tzinfo=None)
        # Walls the clock jumped over fire now, with the wall it lands on; a wall shown a
        # second time (fold=1) has already fired.
        shown = []
        w = prev_wall + MINUTE
        while w < wall:
            shown.append(w)
            w += MINUTE
        if local.fold == 0:
            shown.append(wall)
        offset = local.isoformat(timespec="minutes")[16:]
        for w in shown:
            if (w.hour, w.minute) in wanted and (not r.days or w.isoweekday() in r.days):
                expected[f"{r.id}@{w:%Y-%m-%dT%H:%M}{offset}"] = t
        prev_wall = wall
        t += MINUTE
    return expected


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_matches_a_minute_by_minute_walk_of_the_local_clock(
    case: tuple[RoutineSpec, datetime, datetime],
) -> None:
    r, after, until = case
    occs = next_occurrences(r, after, until)
    assert {o.key: o.due_at for o in occs} == _walk_the_clock(r, after, until)
    assert len({o.key for o in occs}) == len(occs)


@settings(max_examples=300, deadline=None)
@given(scenarios(max_days=20))
def test_sorted_inside_window_unique_and_consistent(
    case: tuple[RoutineSpec, datetime, datetime],
) -> None:
    r, after, until = case
    occs = next_occurrences(r, after, until)
    assert [o.due_at for o in occs] == sorted(o.due_at for o in occs)
    assert all(after < o.due_at <= until for o in occs)
    assert len({o.key for o in occs}) == len(occs)
    for o in occs:
        assert o.due_at.tzinfo is UTC
        assert o.routine_id == r.id
        # Not `o.local == o.due_at`: Python calls an ambiguous wall time unequal to every
        # datetime in another zone, even when both name the same instant.
        assert o.local.astimezone(UTC) == o.due_at
        assert o.local.tzinfo == ZoneInfo(r.tz)
        assert o.key.endswith(o.local.isoformat(timespec="minutes")[16:])


def _scheduled_wall(o: Occurrence) -> datetime:
    return datetime.fromisoformat(o.key.split("@", 1)[1][:16])


@settings(max_examples=300, deadline=None)
@given(scenarios(max_days=10))
def test_local_time_is_the_chosen_time_or_the_end_of_its_gap(
    case: tuple[RoutineSpec, datetime, datetime],
) -> None:
    r, after, until = case
    zone = ZoneInfo(r.tz)
    for o in next_occurrences(r, after, until):
        chosen = _scheduled_wall(o)
        fired = o.local.replace(tzinfo=None)
        if fired == chosen:
            assert o.local.fold == 0  # first showing of a repeated time
            continue
        # Otherwise the chosen wall never shows that day and `due_at` is where the clock lands.
        before = (o.due_at - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
        assert before < chosen < fired
        assert fired - before > timedelta(seconds=1)


@settings(max_examples=300, deadline=None)
@given(scenarios(max_days=20), st.floats(0, 1))
def test_splitting_the_window_gives_the_same_occurrences(
    case: tuple[RoutineSpec, datetime, datetime], fraction: float
) -> None:
    r, a, c = case
    b = a + (c - a) * fraction
    assert next_occurrences(r, a, b) + next_occurrences(r, b, c) == next_occurrences(r, a, c)


@settings(max_examples=200, deadline=None)
@given(scenarios(max_days=20))
def test_each_chosen_day_contributes_each_time_exactly_once(
    case: tuple[RoutineSpec, datetime, datetime],
) -> None:
    r, after, until = case
    zone = ZoneInfo(r.tz)
    per_day: dict[date, list[str]] = {}
    for o in next_occurrences(r, after, until):
        chosen = _scheduled_wall(o)
        per_day.setdefault(chosen.date(), []).append(_hhmm(chosen))
    # Days well inside the window cannot lose an occurrence to its edges.
    day = after.astimezone(zone).date() + timedelta(days=2)
    last = until.astimezone(zone).date() - timedelta(days=2)
    want = sorted(set(r.times))
    while day <= last:
        expected = want if not r.days or day.isoweekday() in r.days else []
        assert sorted(per_day.get(day, [])) == expected, day
        day += timedelta(days=1)


hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def _inside(wall: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= wall < end
    return wall >= start or wall < end


def _clock_reaches(at: datetime, zone: ZoneInfo) -> list[time]:
    """Wall times the clock shows at the minute `at`, including any it jumped over to get there."""
    prev = (at - MINUTE).astimezone(zone).replace(tzinfo=None)
    wall = at.astimezone(zone).replace(tzinfo=None)
    if wall <= prev:  # fell back: only the wall it lands on
        return [wall.time()]
    return [(prev + MINUTE * i).time() for i in range(1, (wall - prev) // MINUTE + 1)]


@st.composite
def quiet_cases(draw: st.DrawFn) -> tuple[str, datetime, str, str]:
    """A zone, a due time, and quiet hours around it whose end often falls in a gap or fold."""
    key = draw(zones)
    zone = ZoneInfo(key)
    year = draw(st.integers(1990, 2037))
    changes = _offset_changes(key, year)
    near_change = draw(st.booleans())
    if changes and near_change:
        change = draw(st.sampled_from(changes))
        due_at = change - timedelta(seconds=draw(st.integers(-3600, 26 * 3600)))
        end_wall = (change - MINUTE).astimezone(zone) + MINUTE * draw(st.integers(-90, 90))
        quiet_end = draw(st.just(_hhmm(end_wall)) | hhmm)
    else:
        due_at = datetime(year, 1, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 364 * 86400))
        )
        quiet_end = draw(hhmm)
    start_wall = due_at.astimezone(zone) - MINUTE * draw(st.integers(0, 720))
    quiet_start = draw(st.just(_hhmm(start_wall)) | hhmm)
    return key, due_at, quiet_start, quiet_end


@settings(max_examples=300, deadline=None)
@given(quiet_cases())
def test_quiet_hours_release_the_next_time_the_clock_reads_their_end(
    case: tuple[str, datetime, str, str],
) -> None:
    tz, due_at, quiet_start, quiet_end = case
    zone = ZoneInfo(tz)
    start, end = time(*parse_hhmm(quiet_start)), time(*parse_hhmm(quiet_end))
    got = apply_quiet_hours(due_at, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)
    if start == end or not _inside(due_at.astimezone(zone).time(), start, end):
        assert got == due_at
        return
    assert due_at < got <= due_at + timedelta(hours=26)
    # At the release the clock reads the end time, or jumps over it in a DST gap ...
    assert end in _clock_reaches(got, zone)
    # ... and it did not do so at any minute since due_at.
    t = due_at.replace(second=0, microsecond=0) + MINUTE
    while t < got:
        assert end not in _clock_reaches(t, zone), t
        t += MINUTE
