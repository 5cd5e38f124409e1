"""The raw entries of a share as one CSV: one row per field, so every kind fits one table.

Columns: date (the local day), kind, record id, field, value. Lists and objects are JSON.
A text value that a spreadsheet would run as a formula (starting with = + - @, tab or CR)
gets a leading apostrophe (OWASP's advice), so opening the file runs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import msgspec

from backend.sharing.scope import record_day, shown_as_entries
from backend.sync.read import JournalRecord

HEADER = ("date", "kind", "record_id", "field", "value")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return msgspec.json.encode(value).decode()
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entries_csv(records: Iterable[JournalRecord]) -> str:
    """`records` are already scoped (backend/sharing/scope.py): this only lays them out."""
    rows = []
    for record in shown_as_entries(records):
        day = record_day(record)
        for name in sorted(record.values):
            rows.append(
                (day.isoformat() if day else "", record.kind, str(record.record_id), name,
                 _cell(record.values[name]))
            )  # fmt: skip
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()
