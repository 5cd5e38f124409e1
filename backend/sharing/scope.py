"""What a share lets a clinician see: the records of a period and of chosen categories.

Pure, and the one gate every output passes through: the summary page, the FHIR Bundle and
the CSV are all built from `scoped(records, scope)` and nothing else, so a kind the person
left out, a day outside the period or a private note cannot appear in any of them.

- A category is a record kind of data.md, or `notes`: the notes of shared check-ins that
  the person marked `share_note` (so `notes` needs `checkin`). Every other note (sleep,
  session, medication...) is private and is dropped.
- A dated record is in scope when its local date (the day the person lived it, in the
  offset it was entered with) is inside the period. A medication is in scope when the
  person took it on some day of the period; an open `question` has no date and is in scope
  with its category.
- The profile always comes along for the display name and the time zone, and medication
  routines come with doses so adherence can count scheduled doses; neither is shown as an
  entry. The safety plan and everything else never leave.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import msgspec

from backend.journal.kinds import (
    Checkin,
    Medication,
    Profile,
    Question,
    Routine,
)
from backend.sync.read import JournalRecord
from backend.treatment.journal import Period, local_date
from backend.treatment.trials import overlaps

NOTES = "notes"
CHECKIN = "checkin"
# The order the share screen lists them in (data.md's order), notes last.
KIND_CATEGORIES = (
    "checkin", "sleep", "activity", "medication", "dose", "effect", "intake", "assessment",
    "session", "lab", "appointment", "measurement", "question",
)  # fmt: skip
CATEGORIES = (*KIND_CATEGORIES, NOTES)
# sharing.md: "defaults: last 90 days, all but notes".
DEFAULT_CATEGORIES = KIND_CATEGORIES
# Fields that hold free text the person wrote for themselves.
PRIVATE_TEXT = frozenset({"note", "notes"})
# Kinds read for a share besides the categories (see the module doc).
SUPPORT_KINDS = ("profile", "routine")
# The field holding a dated kind's day or moment.
DATE_FIELD = {
    "checkin": "at", "sleep": "night_of", "activity": "at", "dose": "at", "effect": "at",
    "intake": "at", "assessment": "at", "session": "at", "lab": "on", "appointment": "at",
    "measurement": "at",
}  # fmt: skip


class Scope(msgspec.Struct, frozen=True):
    """Inclusive local dates `start`..`end` and the categories shared."""

    start: date
    end: date
    categories: frozenset[str]

    @property
    def left_out(self) -> list[str]:
        """The categories not shared, in the share screen's order (the page names them)."""
        return [name for name in CATEGORIES if name not in self.categories]

    def kinds_read(self) -> list[str]:
        return [*(kind for kind in KIND_CATEGORIES if kind in self.categories), *SUPPORT_KINDS]


def record_day(record: JournalRecord) -> date | None:
    """The local date of a dated record (None for undated kinds or an undecodable value)."""
    field = DATE_FIELD.get(record.kind)
    value = None if field is None or record.value is None else getattr(record.value, field)
    if isinstance(value, datetime):
        return local_date(value)
    return value if isinstance(value, date) else None


def _in_scope(record: JournalRecord, scope: Scope) -> bool:
    if record.deleted or record.value is None:
        return False
    if record.kind == "profile":
        return True
    if record.kind == "routine":
        routine = record.typed(Routine)
        return "dose" in scope.categories and routine is not None and routine.kind == "medication"
    if record.kind not in scope.categories:
        return False
    if record.kind == "medication":
        med = record.typed(Medication)
        period = Period.of(scope.start, scope.end)
        return med is not None and overlaps(med.started_on, med.stopped_on, period)
    if record.kind == "question":
        question = record.typed(Question)
        return question is not None and not question.answered
    day = record_day(record)
    return day is not None and scope.start <= day <= scope.end


def _note_shared(record: JournalRecord, scope: Scope) -> bool:
    checkin = record.typed(Checkin)
    return NOTES in scope.categories and checkin is not None and checkin.share_note


def _redacted(record: JournalRecord, scope: Scope) -> JournalRecord:
    """The record without reserved fields, and without its private text unless shared."""
    keep_note = _note_shared(record, scope)
    values = {
        name: value
        for name, value in record.values.items()
        if not name.startswith("_") and (keep_note or name not in PRIVATE_TEXT)
    }
    value = record.value
    if value is not None and not keep_note:
        drop: dict[str, Any] = {
            name: None for name in PRIVATE_TEXT if name in value.__struct_fields__
        }
        if drop:
            value = msgspec.structs.replace(value, **drop)
    return msgspec.structs.replace(record, values=values, value=value)


def scoped(records: Iterable[JournalRecord], scope: Scope) -> list[JournalRecord]:
    """The records a share shows, redacted: the only input of the page, FHIR and CSV."""
    return [_redacted(record, scope) for record in records if _in_scope(record, scope)]


def shown_as_entries(records: Iterable[JournalRecord]) -> list[JournalRecord]:
    """Scoped records that are the person's entries (not the profile or routines)."""
    return [record for record in records if record.kind not in SUPPORT_KINDS]


def display_name(records: Iterable[JournalRecord]) -> str | None:
    """The name the person chose for themselves (their profile), if any."""
    for record in records:
        profile = record.typed(Profile)
        if profile is not None and profile.display_name:
            return profile.display_name
    return None
