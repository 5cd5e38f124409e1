"""Inline SVG charts for the clinician summary: pure functions from numbers to markup.

The share pages' CSP allows no style attributes and no script, so shapes carry presentation
attributes (fill, stroke, stroke-dasharray) and classes only. Every chart must read in
greyscale print: series differ by dash pattern and marker shape, never by colour alone, and
the numbers that matter are printed as text, with a <title> and <desc> for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from markupsafe import Markup, escape

WIDTH = 600
LEFT, RIGHT, TOP, BOTTOM = 26.0, 96.0, 18.0, 18.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# PHQ-9 band floors and names (questionnaires.BANDS), shaded lighter to darker.
PHQ9_BANDS = ((0, "minimal", "#ffffff"), (5, "mild", "#f1f1f1"), (10, "moderate", "#e3e3e3"),
              (15, "mod. severe", "#d5d5d5"), (20, "severe", "#c7c7c7"))  # fmt: skip
PHQ9_MAX = 27
# A line is broken across a gap longer than the averaging window rather than drawn through it.
MAX_GAP_DAYS = 7
# stroke-dasharray per line style: solid, dashed and dotted read apart in greyscale.
DASHES = {"solid": None, "dash": "7 4", "dot": "1.5 3"}


class Series(NamedTuple):
    label: str
    points: Sequence[tuple[date, float | None]]
    # "solid" | "dash" | "dot" (lines) or "dots" | "crosses" (one marker per point).
    style: str


class Frame(NamedTuple):
    """Maps days and values into the plot area of a chart `height` units tall."""

    start: date
    end: date
    height: float
    ymax: float

    def x(self, day: date) -> float:
        span = max(1, (self.end - self.start).days)
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.start).days / span

    def y(self, value: float) -> float:
        return self.height - BOTTOM - (self.height - TOP - BOTTOM) * value / self.ymax


def short_day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def _ticks(start: date, end: date) -> list[tuple[date, str]]:
    """About six labelled days along the x axis: first days of months, or weeks when short."""
    span = (end - start).days
    if span <= 62:  # two months or less: weekly ticks read better than monthly
        step = max(1, span // 6 or 1)
        days = [start + timedelta(days=n) for n in range(0, span + 1, step)]
        return [(day, short_day(day)) for day in days[:8]]
    months_step = max(1, round(span / 30.4 / 6))
    found: list[tuple[date, str]] = []
    year, month = start.year, start.month + 1
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = date(year, month, 1)
        if day > end:
            return found
        label = MONTHS[month - 1] + (f" {year}" if month == 1 or not found else "")
        found.append((day, label))
        month += months_step


def _axes(frame: Frame, y_ticks: Sequence[int]) -> list[str]:
    parts = []
    right = WIDTH - RIGHT
    for value in y_ticks:
        y = frame.y(value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{value}</text>')
    base = frame.height - BOTTOM
    for day, label in _ticks(frame.start, frame.end):
        x = frame.x(day)
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 3}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 13}" text-anchor="middle">{label}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>')
    return parts


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-size="14" '
        f'font-family="system-ui, sans-serif" fill="#000">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - built here, text escaped


def _path(frame: Frame, points: Sequence[tuple[date, float | None]]) -> str:
    """An SVG path through the points, lifted over a missing value or a long gap."""
    commands: list[str] = []
    previous: date | None = None
    for day, value in points:
        if value is None:
            previous = None
            continue
        jump = previous is None or (day - previous).days > MAX_GAP_DAYS
        commands.append(f"{'M' if jump else 'L'}{frame.x(day):.1f} {frame.y(value):.1f}")
        previous = day
    return "".join(commands)


def _series(frame: Frame, series: Series) -> str:
    if series.style == "dots":
        return "".join(
            f'<circle cx="{frame.x(d):.1f}" cy="{frame.y(v):.1f}" r="1.6" class="dot"/>'
            for d, v in series.points
            if v is not None
        )
    if series.style == "crosses":
        return "".join(
            f'<path d="M{frame.x(d) - 2:.1f} {frame.y(v) - 2:.1f}l4 4m0 -4l-4 4" class="cross"/>'
            for d, v in series.points
            if v is not None
        )
    dash = DASHES[series.style]
    pattern = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<path d="{_path(frame, series.points)}" class="line"{pattern}/>'


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], LEFT
    for one in series:
        if one.style == "dots":
            parts.append(f'<circle cx="{x + 8}" cy="8" r="2.2" class="dot"/>')
        elif one.style == "crosses":
            parts.append(f'<path d="M{x + 5} 5l6 6m0 -6l-6 6" class="cross"/>')
        else:
            dash = DASHES[one.style]
            pattern = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<path d="M{x} 8h18" class="line"{pattern}/>')
        parts.append(f'<text x="{x + 22}" y="12">{escape(one.label)}</text>')
        x += 36 + 8 * len(one.label)
    return parts


def score_chart(
    chart_id: str, title: str, desc: str, series: Sequence[Series], start: date, end: date
) -> Markup:
    """Daily 0-10 ratings over the period, one style per series, with a legend above."""
    frame = Frame(start, end, 150.0, 10.0)
    body = [*_axes(frame, (0, 5, 10)), *(_series(frame, one) for one in series), *_legend(series)]
    return _svg(chart_id, title, desc, frame.height, body)


def _bands(frame: Frame) -> list[str]:
    parts = []
    for index, (floor, name, shade) in enumerate(PHQ9_BANDS):
        ceiling = PHQ9_BANDS[index + 1][0] if index + 1 < len(PHQ9_BANDS) else PHQ9_MAX
        top, bottom = frame.y(ceiling), frame.y(floor)
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{bottom - top:.1f}" fill="{shade}"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT + 4}" y="{(top + bottom) / 2 + 4:.1f}">{name}</text>'
        )
    return parts


def phq9_chart(
    chart_id: str, desc: str, entries: Sequence[tuple[date, int, int]], start: date, end: date
) -> Markup:
    """PHQ-9 totals (day, total, item 9) on the severity bands; item 9 above 0 as squares."""
    frame = Frame(start, end, 190.0, float(PHQ9_MAX))
    body = [*_bands(frame), *_axes(frame, (0, 5, 10, 15, 20))]
    points = [(day, float(total)) for day, total, _ in entries]
    body.append(f'<path d="{_path(frame, points)}" class="line"/>')
    for day, total, item9 in entries:
        x, y = frame.x(day), frame.y(total)
        if item9 > 0:
            body.append(
                f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" class="flag"/>'
            )
        else:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" class="dot"/>')
    if entries:
        for day, total, _ in (entries[0], entries[-1]) if len(entries) > 1 else entries[:1]:
            y = frame.y(total)
            first = day == entries[0][0]
            anchor, dx = ("start", 5) if first else ("end", -5)
            body.append(
                f'<text x="{frame.x(day) + dx:.1f}" y="{y - 6:.1f}" text-anchor="{anchor}" '
                f'class="value">{total}</text>'
            )
    body.append(f'<rect x="{LEFT}" y="3" width="6" height="6" class="flag"/>')
    body.append(f'<text x="{LEFT + 10}" y="10">item 9 above 0</text>')
    return _svg(chart_id, "PHQ-9 totals on the severity bands", desc, frame.height, body)
