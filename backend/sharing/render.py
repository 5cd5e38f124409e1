"""The share pages as HTML: the clinician summary, the passcode form and the one 404 page.

Jinja2 with autoescape on; the stylesheet is inlined as its exact text so the CSP can allow it
by hash (no nonce, so the 404 page is the same bytes every time), and nothing else is allowed:
no script, no style attributes, nothing fetched from anywhere.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from backend.sharing import charts
from backend.sharing.charts import Series
from backend.sharing.summary import Summary
from backend.treatment.schemas import SessionCourse, SessionReading

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "share"
CSS = (TEMPLATES / "share.css").read_text(encoding="utf-8")
SHARE_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()}'; "
    "img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Long lists are cut to their latest entries so a dense year still prints on two A4 pages;
# the page says how many more there are (the CSV and FHIR exports hold them all).
LATEST = {"notes": 8, "labs": 6, "gad7": 6, "readings": 4, "dates": 6, "effects": 8}

CATEGORY_WORDS = {
    "checkin": "check-ins", "sleep": "sleep", "activity": "movement",
    "medication": "medications", "dose": "doses", "effect": "side effects",
    "intake": "alcohol and meals", "assessment": "questionnaires (PHQ-9, GAD-7)",
    "session": "clinic sessions", "lab": "labs", "appointment": "appointments",
    "measurement": "measurements", "question": "questions", "notes": "notes",
}  # fmt: skip
ROLE_WORDS = {"mood_stabilizer": "mood stabiliser"}
STOP_WORDS = {
    "side_effects": "side effects", "no_effect": "did not help",
    "partial_effect": "helped only partly", "cost": "cost", "other": "another reason",
}  # fmt: skip
SESSION_WORDS = {
    "esketamine": "Esketamine", "ketamine": "Ketamine", "ect": "ECT", "rtms": "rTMS",
    "tms_theta": "Theta-burst TMS", "vns": "VNS", "dbs": "DBS", "therapy": "Therapy",
    "other": "Other sessions",
}  # fmt: skip
LAB_WORDS = {"tsh": "TSH", "vitamin_d": "Vitamin D", "lithium_level": "Lithium level",
             "other": "Other test"}  # fmt: skip
SEVERITY_WORDS = ("none", "mild", "moderate", "severe")
ANSWER_WORDS = ("not at all", "several days", "more than half the days", "nearly every day")


def day_text(day: date | None) -> str:
    """'3 Dec 2026': the same words as the app (pwa dayText), whatever the reader's locale."""
    return "—" if day is None else f"{day.day} {charts.MONTHS[day.month - 1]} {day.year}"


def moment_text(moment: datetime) -> str:
    zone = moment.tzname() or "UTC"
    return f"{day_text(moment.date())}, {moment:%H:%M} ({zone})"


def number(value: float | None, suffix: str = "") -> str:
    """One decimal for derived values, as the insights API gives them; a dash for no data."""
    if value is None:
        return "—"
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    return text + suffix


def signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def dose_text(value: float) -> str:
    return f"{value:g}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        day=day_text, moment=moment_text, num=number, signed=signed_pct, yesno=yes_no,
        dose=dose_text, short=charts.short_day,
    )  # fmt: skip
    env.globals.update(
        css=Markup(CSS),  # noqa: S704 - our own stylesheet, inlined verbatim for its CSP hash
        categories=CATEGORY_WORDS, roles=ROLE_WORDS, stops=STOP_WORDS, sessions=SESSION_WORDS,
        labs=LAB_WORDS, severity=SEVERITY_WORDS, answers=ANSWER_WORDS, latest=LATEST,
    )  # fmt: skip
    return env


_ENV = _environment()
_SUMMARY = _ENV.get_template("summary.html")
_PASSCODE = _ENV.get_template("passcode.html")
_NOT_FOUND = _ENV.get_template("not_found.html").render().encode()


def render_not_found() -> bytes:
    """The one 404 page: the same bytes for an unknown, expired or revoked link (no oracle)."""
    return _NOT_FOUND


def render_passcode(*, failed: bool) -> str:
    return _PASSCODE.render(failed=failed)


def render_summary(summary: Summary, *, base_path: str | None) -> str:
    """The clinician page; `base_path` (`/s/<token>`) links the exports, None is the preview."""
    return _SUMMARY.render(
        s=summary,
        i=summary.insights,
        shared=frozenset(summary.scope.categories),
        base_path=base_path,
        charts=summary_charts(summary),
        trial_names={t.medication_id: t.name for t in summary.insights.trials},
    )


def summary_charts(summary: Summary) -> dict[str, Markup]:
    start, end = summary.scope.start, summary.scope.end
    found: dict[str, Markup] = {}
    overview = summary.phq9
    if overview.count:
        entries = [
            (datetime.fromisoformat(p.at).date(), p.total, p.item9) for p in summary.insights.phq9
        ]
        desc = (
            f"{overview.count} PHQ-9 totals from {overview.baseline} on "
            f"{day_text(overview.baseline_day)} to {overview.latest} on "
            f"{day_text(overview.latest_day)}."
        )
        found["phq9"] = charts.phq9_chart("c-phq9", desc, entries, start, end)
    if summary.days:
        found.update(_checkin_charts(summary, start, end))
    return found


def _checkin_charts(summary: Summary, start: date, end: date) -> dict[str, Markup]:
    days = summary.days
    found = {
        "mood": charts.score_chart(
            "c-mood",
            "Daily mood, 0 to 10",
            f"Mood rated on {sum(d.mood is not None for d in days)} days; dots are daily means, "
            "the line the average of the last 7 days.",
            [Series("daily mood", [(d.day, d.mood) for d in days], "dots"),
             Series("7-day average", [(d.day, d.mood_avg7) for d in days], "solid")],
            start, end,
        ),
        "anxiety": charts.score_chart(
            "c-anxiety",
            "Anxiety and energy, 0 to 10, 7-day averages",
            "Anxiety dashed, energy dotted; each the average of the last 7 days.",
            [Series("anxiety", [(d.day, d.anxiety_avg7) for d in days], "dash"),
             Series("energy", [(d.day, d.energy_avg7) for d in days], "dot")],
            start, end,
        ),
    }  # fmt: skip
    if summary.show_elevated:
        found["elevated"] = charts.score_chart(
            "c-elevated",
            "Elevated mood and irritability, 0 to 10, daily",
            "Elevated mood as circles, irritability as crosses; only ratings above 0 drawn.",
            [Series("elevated mood", [(d.day, _above_zero(d.elevated)) for d in days], "dots"),
             Series("irritability", [(d.day, _above_zero(d.irritability)) for d in days],
                    "crosses")],
            start, end,
        )  # fmt: skip
    return found


def _above_zero(value: float | None) -> float | None:
    return value if value else None


def elevated_facts(summary: Summary) -> dict[str, Any]:
    """Days above 0 and the highest daily mean, for elevated mood and irritability."""
    found: dict[str, Any] = {}
    for field in ("elevated", "irritability"):
        values = [getattr(d, field) for d in summary.days if getattr(d, field)]
        found[field] = (len(values), max(values, default=None))
    return found


def with_readings(course: SessionCourse) -> list[SessionReading]:
    """The sessions with a reading taken (therapy sessions usually have none)."""
    return [
        r
        for r in course.readings
        if r.bp_before or r.bp_after or r.dissociation is not None or r.felt_after is not None
    ]


_ENV.globals.update(elevated_facts=elevated_facts, with_readings=with_readings)
