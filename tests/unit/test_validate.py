"""Per-field validation of journal changes: what the sync server accepts and how it says no."""

import datetime as dt
import math
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.journal.kinds import CURRENT_SCHEMA_VERSION, KINDS, PROFILE_ID, SAFETY_PLAN_ID
from backend.journal.specs import (
    FIELD_SPECS,
    decode_record,
    effective_value,
    field_default,
    required_fields,
)
from backend.journal.validate import FieldError, is_complete, validate_change

RID = "0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"
MED = "0190c3e4-0000-7000-8000-000000000001"
AT = "2026-11-27T08:05:00+01:00"


def record_id_for(kind: str) -> str:
    return {"profile": PROFILE_ID, "safety_plan": SAFETY_PLAN_ID}.get(kind, RID)


def check(kind: str, fields: dict[str, Any]) -> FieldError | None:
    return validate_change(kind=kind, record_id=record_id_for(kind), fields=fields)


# One complete, valid record per kind, every field set.
VALID: dict[str, dict[str, Any]] = {
    "checkin": {
        "at": AT, "mood": 4, "anxiety": 6, "energy": 2, "elevated": 0, "irritability": 3,
        "tags": ["work", "argument"], "note": "Hard morning.", "share_note": False,
    },
    "sleep": {
        "night_of": "2026-11-26", "bed_at": "2026-11-26T23:40:00+01:00",
        "wake_at": "2026-11-27T07:10:00+01:00", "quality": 3, "awakenings": 2,
        "nap_minutes": 20, "note": "Woke at 4.",
    },
    "activity": {"at": AT, "minutes": 25, "kind": "walk", "intensity": "light"},
    "medication": {
        "name": "Sertraline", "as_needed": False, "role": "antidepressant", "dose": 100,
        "unit": "mg", "schedule_note": "morning", "started_on": "2026-01-10",
        "stopped_on": "2026-05-01", "stop_reason": "partial_effect",
        "dose_changes": [{"on": "2026-01-10", "dose": 50, "unit": "mg"},
                         {"on": "2026-02-01", "dose": 100}],
        "augments": MED,
        "notes": "Nausea first week.",
    },
    "dose": {
        "medication_id": MED, "at": AT, "status": "taken", "amount": 0.5, "unit": "tablet",
        "routine_id": RID, "occurrence": f"{RID}@2026-11-27T08:00+01:00",
    },
    "effect": {
        "at": AT, "medication_id": MED, "name": "emotional blunting", "severity": 2,
        "note": "Flat.",
    },
    "intake": {"at": AT, "kind": "alcohol", "amount": 1.5, "note": "wine"},
    "assessment": {
        "at": AT, "instrument": "phq9", "answers": [1, 2, 1, 3, 0, 2, 1, 1, 0], "difficulty": 2,
    },
    "session": {
        "at": AT, "type": "esketamine", "bp_before": "128/82", "bp_after": "141/90",
        "dissociation": 6, "felt_after": 5, "note": "Tired after.",
    },
    "lab": {"on": "2026-11-20", "test": "tsh", "value": 2.4, "unit": "mIU/L", "note": "ok"},
    "routine": {
        "kind": "medication", "title": "Morning meds", "times": ["08:00", "21:30"],
        "days": [1, 2, 3, 4, 5], "tz": "Europe/Paris", "enabled": True,
        "medication_id": MED, "follow_up_minutes": 45,
    },
    "profile": {
        "display_name": "Sam", "country": "GB", "tz": "Europe/London", "quiet_start": "22:00",
        "quiet_end": "07:30", "discreet_notifications": True,
    },
    "safety_plan": {
        "warning_signs": "Not sleeping", "coping": "Shower, music", "distractions": "Cafe",
        "people_to_ask": "Alex", "professionals": "Dr Lee", "safe_environment": "Pills at Mum's",
    },
    "appointment": {"at": AT, "with": "psychiatrist", "place": "Clinic B", "note": "bring list"},
    "measurement": {"at": AT, "type": "weight", "value": 72.5, "unit": "kg"},
    "question": {"text": "Can I split the dose?", "answered": False},
}  # fmt: skip

REQUIRED: dict[str, set[str]] = {  # the starred fields of data.md
    "checkin": {"at", "mood"},
    "sleep": {"night_of"},
    "activity": {"at", "minutes"},
    "medication": {"name"},
    "dose": {"medication_id", "at", "status"},
    "effect": {"at", "name", "severity"},
    "intake": {"at", "kind"},
    "assessment": {"at", "instrument", "answers"},
    "session": {"at", "type"},
    "lab": {"on", "test", "value"},
    "routine": {"kind", "title", "times", "tz"},
    "profile": set(),
    "safety_plan": set(),
    "appointment": {"at"},
    "measurement": {"at", "type", "value"},
    "question": {"text"},
}

OPTIONAL = [
    (kind, name) for kind, example in VALID.items() for name in example
    if name not in REQUIRED[kind]
]  # fmt: skip
REQUIRED_PAIRS = [(kind, name) for kind, names in REQUIRED.items() for name in sorted(names)]
ALL_PAIRS = [(kind, name) for kind, example in VALID.items() for name in example]

CODES = {
    "unknown-kind", "invalid-record-id", "invalid-field-name", "wrong-type", "out-of-range",
    "too-long", "invalid-field", "required-field-null", "record-too-large",
}  # fmt: skip
RANGE, TYPE, LONG, INVALID = "out-of-range", "wrong-type", "too-long", "invalid-field"
BAD_AT = [
    ("2026-11-27T08:05:00", INVALID),  # naive: no offset
    ("2026-11-27 08:05:00+01:00", INVALID),
    ("2026-11-27T08:05+01:00", INVALID),
    ("2026-02-30T08:05:00+01:00", INVALID),
    ("2026-11-27", INVALID),
    ("yesterday", INVALID),
    (1764227100, TYPE),
    ("2026-11-27T0\u0668:05:00+01:00", INVALID),  # an Arabic-Indic eight
]
BAD_DATE = [("2026-13-01", INVALID), ("26-11-27", INVALID), ("2026-11-27T00:00:00Z", INVALID),
            (20261127, TYPE)]  # fmt: skip
BAD_SCORE10 = [(-1, RANGE), (11, RANGE), (3.5, TYPE), (3.0, TYPE), (True, TYPE), ("5", TYPE)]
BAD_SCORE3 = [(-1, RANGE), (4, RANGE), (1.5, TYPE), (False, TYPE)]
BAD_UUID = [("not-a-uuid", INVALID), (RID.upper(), INVALID), (RID.replace("-", ""), INVALID),
            (42, TYPE)]  # fmt: skip
BAD_NOTE = [("x" * (32 * 1024 + 1), LONG), ("é" * (16 * 1024 + 1), LONG), (["a"], TYPE)]
BAD_TEXT = [("x" * 4097, LONG), ("€" * 1366, LONG), (7, TYPE)]
BAD_NAME = [("", INVALID), ("   ", INVALID), ("n" * 201, LONG), (3, TYPE)]
BAD_UNIT = [("u" * 33, LONG), (1, TYPE)]
BAD_LABEL = [("l" * 201, LONG), (False, TYPE)]
BAD_BOOL = [("true", TYPE), (1, TYPE), (0, TYPE)]
BAD_BP = [("120-80", INVALID), ("120/80\n", INVALID), ("120/", INVALID), (120, TYPE),
          ("\u0661\u0662\u0660/80", INVALID)]  # fmt: skip
BAD_TZ = [("Mars/Base", INVALID), ("europe/paris", INVALID), ("../../etc/passwd", INVALID),
          ("localtime", INVALID), ("", INVALID), ("+01:00", INVALID), (1, TYPE)]  # fmt: skip
BAD_CLOCK = [("8:00", INVALID), ("24:00", INVALID), ("08:60", INVALID), ("08:00:00", INVALID),
             ("08:00\n", INVALID), (800, TYPE), ("0\u0668:00", INVALID)]  # fmt: skip


def cases(kind: str, name: str, bad: list[tuple[Any, str]]) -> list[tuple[str, str, Any, str]]:
    return [(kind, name, value, code) for value, code in bad]


BAD: list[tuple[str, str, Any, str]] = [
    *[c for k in ("checkin", "activity", "dose", "effect", "intake", "assessment", "session",
                  "appointment", "measurement") for c in cases(k, "at", BAD_AT)],
    *cases("sleep", "bed_at", BAD_AT[:2]), *cases("sleep", "wake_at", BAD_AT[:1]),
    *[c for n in ("mood", "anxiety", "energy", "elevated", "irritability")
      for c in cases("checkin", n, BAD_SCORE10)],
    *cases("checkin", "tags", [(["t" * 65], LONG), (["t"] * 51, LONG), ([""], INVALID),
                               ([3], TYPE), ("work", TYPE)]),
    *[c for k in ("checkin", "sleep", "effect", "intake", "session", "lab", "appointment")
      for c in cases(k, "note", BAD_NOTE)],
    *cases("checkin", "share_note", BAD_BOOL),
    *cases("sleep", "night_of", BAD_DATE),
    *cases("sleep", "quality", [(0, RANGE), (6, RANGE), (2.5, TYPE)]),
    *cases("sleep", "awakenings", [(-1, RANGE), (101, RANGE), ("2", TYPE)]),
    *cases("sleep", "nap_minutes", [(-5, RANGE), (1441, RANGE), (20.5, TYPE)]),
    *cases("activity", "minutes", [(0, RANGE), (1441, RANGE), (30.5, TYPE), (True, TYPE)]),
    *cases("activity", "kind", [("swim", INVALID), ("Walk", INVALID), (1, TYPE)]),
    *cases("activity", "intensity", [("extreme", INVALID), (3, TYPE)]),
    *cases("medication", "name", BAD_NAME),
    *cases("medication", "as_needed", BAD_BOOL),
    *cases("medication", "role", [("booster", INVALID), (["antidepressant"], TYPE)]),
    *cases("medication", "dose", [(-1, RANGE), (1e7, RANGE), ("100", TYPE), (True, TYPE)]),
    *[c for k in ("medication", "dose", "lab", "measurement") for c in cases(k, "unit", BAD_UNIT)],
    *cases("medication", "schedule_note", BAD_TEXT),
    *cases("medication", "started_on", BAD_DATE), *cases("medication", "stopped_on", BAD_DATE[:1]),
    *cases("medication", "stop_reason", [("bored", INVALID)]),
    *cases("medication", "dose_changes", [
        ([{"on": "2026-01-10"}], INVALID), ([{"on": "2026-01-10", "dose": "50"}], TYPE),
        ([{"on": "soon", "dose": 50}], INVALID), ([{"on": "2026-01-10", "dose": -1}], RANGE),
        ([{"on": "2026-01-10", "dose": 5}] * 201, LONG), ({"on": "2026-01-10", "dose": 5}, TYPE),
    ]),
    *cases("medication", "notes", BAD_NOTE),
    *cases("medication", "augments", BAD_UUID),
    *cases("dose", "medication_id", BAD_UUID), *cases("dose", "routine_id", BAD_UUID[:2]),
    *cases("effect", "medication_id", BAD_UUID[:1]), *cases("routine", "medication_id", BAD_UUID),
    *cases("dose", "status", [("taken!", INVALID), (True, TYPE)]),
    *cases("dose", "amount", [(-0.5, RANGE), ("1", TYPE)]),
    *cases("dose", "occurrence", [("o" * 201, LONG), (5, TYPE)]),
    *cases("effect", "name", BAD_NAME),
    *cases("effect", "severity", BAD_SCORE3),
    *cases("intake", "kind", [("other substance", INVALID), ("Alcohol", INVALID)]),
    *cases("intake", "amount", [(-1, RANGE), (1001, RANGE), ("2", TYPE)]),
    *cases("assessment", "instrument", [("phq8", INVALID), ("qids", INVALID), (9, TYPE)]),
    *cases("assessment", "answers", [
        ([0] * 8, INVALID), ([0] * 6, INVALID), ([0] * 10, LONG), ([0] * 8 + [4], RANGE),
        ([0] * 8 + [-1], RANGE), ([0] * 8 + [1.5], TYPE), ([0] * 8 + [True], TYPE), (3, TYPE),
    ]),
    *cases("assessment", "difficulty", BAD_SCORE3),
    *cases("session", "type", [("ECT", INVALID), ("massage", INVALID)]),
    *cases("session", "bp_before", BAD_BP), *cases("session", "bp_after", BAD_BP[:1]),
    *cases("session", "dissociation", BAD_SCORE10[:3]),
    *cases("session", "felt_after", BAD_SCORE10),
    *cases("lab", "on", BAD_DATE),
    *cases("lab", "test", [("cortisol", INVALID)]),
    *cases("lab", "value", [(1e10, RANGE), ("2.4", TYPE), (False, TYPE)]),
    *cases("routine", "kind", [("meds", INVALID)]),
    *cases("routine", "title", BAD_NAME),
    *cases("routine", "times", [([], INVALID), (["8am"], INVALID), (["08:00"] * 25, LONG),
                                ("08:00", TYPE), ([800], TYPE)]),
    *cases("routine", "days", [([0], RANGE), ([8], RANGE), ([], INVALID), ([1] * 8, LONG),
                               (["mon"], TYPE), ([1.0], TYPE), (1, TYPE)]),
    *cases("routine", "tz", BAD_TZ), *cases("profile", "tz", BAD_TZ[:2]),
    *cases("routine", "enabled", BAD_BOOL),
    *cases("routine", "follow_up_minutes", [(-1, RANGE), (721, RANGE), (30.5, TYPE)]),
    *cases("profile", "display_name", BAD_LABEL),
    *cases("profile", "country", [("gb", INVALID), ("GBR", INVALID), ("", INVALID), (44, TYPE)]),
    *cases("profile", "quiet_start", BAD_CLOCK), *cases("profile", "quiet_end", BAD_CLOCK[:2]),
    *cases("profile", "discreet_notifications", BAD_BOOL),
    *[c for n in ("warning_signs", "coping", "distractions", "people_to_ask", "professionals",
                  "safe_environment") for c in cases("safety_plan", n, BAD_TEXT)],
    *cases("appointment", "with", BAD_LABEL), *cases("appointment", "place", BAD_LABEL),
    *cases("measurement", "type", [("bmi", INVALID)]),
    *cases("measurement", "value", [(1e12, RANGE), ("heavy", INVALID), (True, TYPE)]),
    *cases("question", "text", [("", INVALID), (" \n", INVALID), ("q" * 4097, LONG), (1, TYPE)]),
    *cases("question", "answered", BAD_BOOL),
]  # fmt: skip


def nested(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth):
        value = [value]
    return value


def assert_sentence(error: FieldError, field: str) -> None:
    assert error.detail.startswith(field + " "), error.detail
    assert error.detail.endswith("."), error.detail
    assert "$" not in error.detail
    assert "`" not in error.detail
    assert "Expected" not in error.detail


def test_every_kind_has_a_struct_an_example_and_schema_version_1() -> None:
    assert set(KINDS) == set(VALID) == set(REQUIRED)
    assert len(KINDS) == 16
    assert CURRENT_SCHEMA_VERSION == 1
    assert all(issubclass(struct, msgspec.Struct) for struct in KINDS.values())


def test_examples_and_bad_cases_cover_every_field() -> None:
    assert {(k, n) for k, specs in FIELD_SPECS.items() for n in specs} == set(ALL_PAIRS)
    assert {(k, n) for k, n, _, _ in BAD} == set(ALL_PAIRS)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_full_valid_example_passes_and_is_complete(kind: str) -> None:
    assert check(kind, VALID[kind]) is None
    assert is_complete(kind, VALID[kind])
    assert isinstance(decode_record(kind, VALID[kind]), KINDS[kind])


@pytest.mark.parametrize(("kind", "name"), ALL_PAIRS)
def test_a_change_of_one_field_passes(kind: str, name: str) -> None:
    assert check(kind, {name: VALID[kind][name]}) is None


@pytest.mark.parametrize(("kind", "name", "value", "code"), BAD)
def test_bad_value_is_rejected_naming_the_field(
    kind: str, name: str, value: Any, code: str
) -> None:
    error = check(kind, {**VALID[kind], name: value})
    assert error is not None, f"{kind}.{name}={value!r} was accepted"
    assert (error.field, error.code) == (name, code), error
    assert_sentence(error, name)


def test_details_say_the_rule() -> None:
    assert check("checkin", {"mood": 11}) == FieldError(
        "out-of-range", "mood", "mood must be an integer from 0 to 10."
    )
    naive = check("checkin", {"at": "2026-11-27T08:05:00"})
    assert naive is not None
    assert "UTC offset" in naive.detail
    tags = check("checkin", {"tags": ["ok", "x" * 65]})
    assert tags is not None
    assert tags.detail.endswith("; item 2 is too long.")
    steps = check("medication", {"dose_changes": [{"on": "2026-01-10", "dose": 5}, {"on": "x"}]})
    assert steps is not None
    assert "item 2" in steps.detail


@pytest.mark.parametrize(("kind", "name"), REQUIRED_PAIRS)
def test_null_on_a_required_field_is_rejected(kind: str, name: str) -> None:
    error = check(kind, {name: None})
    assert error is not None
    assert (error.code, error.field) == ("required-field-null", name)
    assert_sentence(error, name)


@pytest.mark.parametrize(("kind", "name"), OPTIONAL)
def test_null_clears_an_optional_field(kind: str, name: str) -> None:
    assert check(kind, {name: None}) is None
    assert check(kind, {**VALID[kind], name: None}) is None


@pytest.mark.parametrize("kind", sorted(REQUIRED))
def test_required_fields_match_data_md(kind: str) -> None:
    assert set(required_fields(kind)) == REQUIRED[kind]


def test_fields_that_only_exist_on_a_newer_client_are_kept_unvalidated() -> None:
    future = {"mood": 5, "mood_v2": {"scale": "0-100", "value": 55}, "photo_ids": [1, "x"]}
    assert check("checkin", future) is None
    assert check("checkin", {"hunger": None}) is None
    assert decode_record("checkin", {**VALID["checkin"], "mood_v2": 9}) is not None


@pytest.mark.parametrize(
    ("values", "ok"),
    [
        ({"instrument": "phq9", "answers": [0] * 9}, True),
        ({"instrument": "gad7", "answers": [3] * 7}, True),
        ({"instrument": "phq9", "answers": [0] * 7}, False),
        ({"instrument": "gad7", "answers": [0] * 9}, False),
        ({"answers": [0] * 7}, True),  # the instrument may arrive in another change
        ({"instrument": "gad7"}, True),
    ],
)
def test_answer_count_is_checked_against_the_instrument_in_the_same_change(
    values: dict[str, Any], ok: bool
) -> None:
    error = check("assessment", values)
    assert (error is None) == ok
    if error is not None:
        assert (error.code, error.field) == ("invalid-field", "answers")
        assert error.detail == (
            f"answers must hold {9 if values['instrument'] == 'phq9' else 7} answers for "
            f"{values['instrument']}, not {len(values['answers'])}."
        )


@pytest.mark.parametrize(
    ("values", "ok"),
    [
        ({"type": "blood_pressure", "value": "120/80"}, True),
        ({"type": "blood_pressure", "value": 120}, False),
        ({"type": "heart_rate", "value": "120/80"}, False),
        ({"type": "heart_rate", "value": 64}, True),
        ({"value": "120/80"}, True),
    ],
)
def test_measurement_value_matches_its_type(values: dict[str, Any], ok: bool) -> None:
    error = check("measurement", {"at": AT, **values})
    assert (error is None) == ok
    if error is not None:
        assert (error.code, error.field) == ("invalid-field", "value")


@pytest.mark.parametrize(
    "at", ["2026-11-27T08:05:00Z", "2026-11-27T08:05:00-05:00", "2026-11-27T08:05:00.250+05:30"]
)
def test_local_times_with_any_offset_pass(at: str) -> None:
    assert check("checkin", {"at": at}) is None


@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "America/Argentina/Buenos_Aires"])
def test_iana_zones_pass(tz: str) -> None:
    assert check("routine", {"tz": tz}) is None


@pytest.mark.parametrize(
    ("kind", "fields"),
    [("medication", {"dose": 100}), ("lab", {"value": -3}), ("measurement", {"value": 70})],
)
def test_numbers_accept_integers(kind: str, fields: dict[str, Any]) -> None:
    assert check(kind, fields) is None


def test_text_limits_count_utf8_bytes_and_the_edge_passes() -> None:
    assert check("checkin", {"note": "x" * 32 * 1024}) is None
    assert check("checkin", {"note": "é" * 16 * 1024}) is None
    assert check("question", {"text": "€" * 1365}) is None  # 4095 bytes


@pytest.mark.parametrize(
    "name", ["Mood", "1st", "mood-level", "a" * 65, "", "_secret", "__deleted", "mood\n", "é"]
)
def test_bad_field_names_are_rejected(name: str) -> None:
    error = check("checkin", {name: 1})
    assert error is not None
    assert error.code == "invalid-field-name"
    assert error.field == name


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("_deleted", "yes", "wrong-type"),
        ("_deleted", None, "wrong-type"),
        ("_conflict", 1, "wrong-type"),
        ("_created_at", 1764227100, "wrong-type"),
        ("_created_at", "x" * 65, "too-long"),
    ],
)
def test_reserved_fields_are_validated(name: str, value: Any, code: str) -> None:
    error = check("checkin", {name: value})
    assert error is not None
    assert (error.code, error.field) == (code, name)
    assert_sentence(error, name)


def test_reserved_fields_pass_with_good_values() -> None:
    delete = {"_deleted": True, "_conflict": False, "_created_at": AT, "a" * 64: 1}
    assert check("checkin", delete) is None


def test_unknown_kind_names_the_kind_field() -> None:
    error = validate_change(kind="diary", record_id=RID, fields={"mood": 99})
    assert error is not None
    assert (error.code, error.field) == ("unknown-kind", "kind")
    assert "'diary' is not a record kind" in error.detail


@pytest.mark.parametrize("record_id", [RID.upper(), RID.replace("-", ""), "", "42", RID + "\n"])
def test_record_id_must_be_a_uuid(record_id: str) -> None:
    error = validate_change(kind="checkin", record_id=record_id, fields={})
    assert error is not None
    assert (error.code, error.field) == ("invalid-record-id", "record_id")


@pytest.mark.parametrize(
    ("kind", "record_id", "ok"),
    [
        ("profile", PROFILE_ID, True),
        ("safety_plan", SAFETY_PLAN_ID, True),
        ("profile", RID, False),
        ("profile", SAFETY_PLAN_ID, False),
        ("safety_plan", PROFILE_ID, False),
        ("checkin", PROFILE_ID, False),
        ("question", SAFETY_PLAN_ID, False),
        ("checkin", RID, True),
    ],
)
def test_singletons_use_their_fixed_ids_and_nobody_else_does(
    kind: str, record_id: str, ok: bool
) -> None:
    error = validate_change(kind=kind, record_id=record_id, fields={})
    assert (error is None) == ok
    if error is not None:
        assert (error.code, error.field) == ("invalid-record-id", "record_id")


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, [1, math.nan], {1: "a"}, {"a"}, (1, 2), b"x",
     dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "bad \ud800 text", nested(40)],
)  # fmt: skip
def test_values_must_be_json_values(value: Any) -> None:
    error = check("checkin", {"extra": value})
    assert error is not None
    assert (error.code, error.field) == ("wrong-type", "extra")


def test_nan_in_a_known_number_field_is_rejected() -> None:
    error = check("lab", {"value": math.nan})
    assert error is not None
    assert (error.code, error.field) == ("wrong-type", "value")


def test_huge_values_and_changes_are_too_large() -> None:
    error = check("checkin", {"extra": "x" * (64 * 1024)})
    assert error is not None
    assert (error.code, error.field) == ("record-too-large", "extra")
    big = {"a": "x" * 30_000, "b": "x" * 30_000, "c": "x" * 30_000}
    error = check("checkin", big)
    assert error is not None
    assert (error.code, error.field) == ("record-too-large", None)


def test_the_first_error_is_chosen_in_a_fixed_order() -> None:
    fields = {"mood": 99, "anxiety": 99, "at": "noon"}
    error = check("checkin", fields)
    assert error is not None
    assert error.field == "anxiety"  # fields are checked in name order
    assert check("checkin", dict(reversed(fields.items()))) == error
    kind_first = validate_change(kind="nope", record_id="bad", fields={"Bad": 1})
    assert kind_first is not None
    assert kind_first.code == "unknown-kind"


def test_field_error_serialises_as_the_sync_error_shape() -> None:
    error = FieldError("out-of-range", "mood", "mood must be an integer from 0 to 10.")
    assert msgspec.json.decode(msgspec.json.encode(error)) == {
        "code": "out-of-range",
        "field": "mood",
        "detail": "mood must be an integer from 0 to 10.",
    }


@pytest.mark.parametrize(
    ("kind", "values", "complete"),
    [
        ("checkin", {"at": AT, "mood": 3}, True),
        ("checkin", {"mood": 3, "note": "no time yet"}, False),
        ("checkin", {"at": AT, "mood": None}, False),
        ("profile", {}, True),
        ("routine", {"kind": "sleep", "title": "Bed", "times": ["22:30"]}, False),
        ("diary", {"at": AT}, False),
    ],
)
def test_is_complete(kind: str, values: dict[str, Any], complete: bool) -> None:
    assert is_complete(kind, values) is complete


@pytest.mark.parametrize(
    ("kind", "name", "values", "default"),
    [
        ("checkin", "share_note", {}, False),
        ("profile", "discreet_notifications", {}, True),
        ("routine", "enabled", {}, True),
        ("routine", "days", {}, [1, 2, 3, 4, 5, 6, 7]),
        ("routine", "follow_up_minutes", {"kind": "medication"}, 30),
        ("routine", "follow_up_minutes", {"kind": "sleep"}, 0),
        ("routine", "follow_up_minutes", {}, 0),
        ("checkin", "anxiety", {}, None),
    ],
)
def test_documented_defaults(kind: str, name: str, values: dict[str, Any], default: Any) -> None:
    assert field_default(kind, name, values) == default
    assert effective_value(kind, {**values, name: None}, name) == default


def test_effective_value_prefers_the_stored_value_and_unknown_fields_raise() -> None:
    assert effective_value("routine", {"kind": "medication", "follow_up_minutes": 10},
                           "follow_up_minutes") == 10  # fmt: skip
    with pytest.raises(KeyError):
        field_default("checkin", "colour")


def test_decode_record_applies_defaults_and_skips_incomplete_records() -> None:
    routine = {"kind": "medication", "title": "Meds", "times": ["08:00"], "tz": "UTC"}
    decoded = decode_record("routine", {**routine, "enabled": None})
    assert decoded == KINDS["routine"](
        kind="medication", title="Meds", times=["08:00"], tz="UTC", follow_up_minutes=30
    )
    # decode_record returns the base Struct type; the kind's fields are only known at runtime.
    assert decoded is not None
    assert decoded.enabled is True  # type: ignore[attr-defined]
    assert decode_record("routine", {"kind": "sleep", "title": "Bed"}) is None
    visit = decode_record("appointment", {"at": AT, "with": "GP"})
    assert visit is not None
    assert visit.with_ == "GP"  # type: ignore[attr-defined]
    assert visit.at == dt.datetime(2026, 11, 27, 7, 5, tzinfo=dt.UTC)  # type: ignore[attr-defined]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
known_names = sorted({name for specs in FIELD_SPECS.values() for name in specs})
field_names = st.sampled_from(known_names) | st.text(max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(KINDS)) | st.text(max_size=8),
    fields=st.dictionaries(field_names, json_values, max_size=5),
)
def test_any_json_change_gets_an_answer_not_an_exception(kind: str, fields: dict[str, Any]) -> None:
    error = validate_change(kind=kind, record_id=record_id_for(kind), fields=fields)
    if error is not None:
        assert error.code in CODES
        assert error.detail.endswith(".")
