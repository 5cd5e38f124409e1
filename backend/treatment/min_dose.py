"""The minimum-dose table (min_doses.json): clinical content, kept as data with its source.

A trial is marked below the minimum only when the table knows the drug and the doses are in
the table's unit; otherwise the answer is "not known" (None), never a guess.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import msgspec

TABLE_PATH = Path(__file__).with_name("min_doses.json")
_WORD_RE = re.compile(r"[a-z0-9]+")
# Units people type for the same thing.
_UNITS = {"mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "µg": "mcg", "ug": "mcg"}


class MinDose(msgspec.Struct, frozen=True):
    name: str
    min_daily: float
    unit: str
    aliases: tuple[str, ...] = ()


class MinDoseTable(msgspec.Struct, frozen=True):
    title: str
    status: str
    source: str
    unit_note: str
    doses: tuple[MinDose, ...]


@cache
def table() -> MinDoseTable:
    return msgspec.json.decode(TABLE_PATH.read_bytes(), type=MinDoseTable)


@cache
def _index() -> dict[str, MinDose]:
    return {key: dose for dose in table().doses for key in (dose.name, *dose.aliases)}


def minimum_for(name: str) -> MinDose | None:
    """The table's entry for a medication as the person named it ("Venlafaxine XL 75")."""
    words = _WORD_RE.findall(name.lower())
    index = _index()
    # The longest leading phrase that names a drug: "lithium carbonate" before "lithium".
    for length in range(len(words), 0, -1):
        entry = index.get(" ".join(words[:length]))
        if entry is not None:
            return entry
    return None


def below_minimum(name: str, max_dose: float | None, unit: str | None) -> bool | None:
    """True or False when the table can tell; None for an unknown drug, dose or unit."""
    entry = minimum_for(name)
    if entry is None or max_dose is None or unit is None:
        return None
    if _UNITS.get(unit.strip().lower()) != entry.unit:
        return None
    return max_dose < entry.min_daily
