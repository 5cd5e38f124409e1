"""The share's FHIR Bundle: valid R4 (fhir.resources' R4B models), the codes of product.md,
the insights' numbers, and nothing the person did not share.

Expected numbers are worked out by hand in comments; the PHQ-9 totals and sleep hours are
also compared with `derive_insights`, since the page and the Bundle must say the same.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from backend.demo.generator import generate_journal
from backend.sharing.fhir import fhir_bundle
from backend.sharing.scope import CATEGORIES, DEFAULT_CATEGORIES, Scope, scoped
from backend.sync.read import JournalRecord, journal_record
from backend.treatment.insights import derive_insights
from tests.unit.treatment_helpers import FLUOXETINE, SERTRALINE, d, med, phq9, rec, steps

START, END = d("2026-01-01"), d("2026-03-31")
AS_OF = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
PHQ9_ITEMS = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
    "44260-8",
]  # fmt: skip
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
LOCAL = "https://tend.invalid/fhir/CodeSystem/journal"
PRIVATE = "PRIVATE-diary-words"
SHARED = "SHARED-words-for-my-doctor"


def journal() -> list[JournalRecord]:
    """Three months of a person on sertraline then fluoxetine, with a bit of everything."""
    return [
        rec("profile", {"display_name": "Sam"}, "00000000-0000-0000-0000-000000000001"),
        rec("safety_plan", {"coping": "SAFETY-PLAN-text"}, "00000000-0000-0000-0000-000000000002"),
        # 14 + 2 = 16, then 9 with item 9 answered "several days" and "very difficult".
        phq9("2026-01-05T09:00:00+01:00", 16),
        phq9("2026-02-20T09:00:00+01:00", 9, item9=1, difficulty=2),
        phq9("2025-12-01T09:00:00+00:00", 20),  # before the period
        rec(
            "assessment",
            {
                "at": "2026-01-06T10:00:00+00:00",
                "instrument": "gad7",
                "answers": [3, 2, 1, 0, 0, 1, 2],
            },
        ),
        rec(
            "checkin",
            {
                "at": "2026-01-10T20:00:00+00:00",
                "mood": 4,
                "anxiety": 6,
                "energy": 3,
                "note": PRIVATE,
            },
        ),
        rec(
            "checkin",
            {"at": "2026-01-11T20:00:00+00:00", "mood": 6, "note": SHARED, "share_note": True},
        ),
        # 23:30 -> 06:45 is 7.25 h; 00:10 -> 05:40 is 5.5 h; no wake time: no duration.
        rec(
            "sleep",
            {
                "night_of": "2026-01-10",
                "bed_at": "2026-01-10T23:30:00+00:00",
                "wake_at": "2026-01-11T06:45:00+00:00",
                "note": PRIVATE,
            },
        ),
        rec(
            "sleep",
            {
                "night_of": "2026-01-11",
                "bed_at": "2026-01-12T00:10:00+01:00",
                "wake_at": "2026-01-12T05:40:00+01:00",
            },
        ),
        rec("sleep", {"night_of": "2026-01-12", "bed_at": "2026-01-12T23:00:00+00:00"}),
        rec(
            "sleep",
            {
                "night_of": "2026-04-02",
                "bed_at": "2026-04-02T23:00:00+00:00",
                "wake_at": "2026-04-03T07:00:00+00:00",
            },
        ),  # after the period
        med(
            SERTRALINE,
            "Sertraline",
            role="antidepressant",
            unit="mg",
            started_on="2025-12-20",
            dose_changes=steps(("2025-12-20", 50), ("2026-01-10", 100)),
            stopped_on="2026-02-01",
            stop_reason="side_effects",
            notes=PRIVATE,
        ),
        med(
            FLUOXETINE,
            "Fluoxetine",
            role="antidepressant",
            dose=20,
            unit="mg",
            started_on="2026-02-01",
            schedule_note="mornings",
        ),
        rec(
            "session",
            {
                "at": "2026-02-03T10:00:00+00:00",
                "type": "esketamine",
                "bp_before": "128/82",
                "dissociation": 4,
                "note": PRIVATE,
            },
        ),
        rec("activity", {"at": "2026-01-15T12:00:00+00:00", "minutes": 30, "kind": "walk"}),
        rec("lab", {"on": "2026-01-20", "test": "tsh", "value": 2.1, "unit": "mU/L"}),
        rec(
            "measurement",
            {"at": "2026-01-21T08:00:00+00:00", "type": "blood_pressure", "value": "130/85"},
        ),
        rec(
            "measurement",
            {"at": "2026-01-21T08:00:00+00:00", "type": "weight", "value": 71.5, "unit": "kg"},
        ),
    ]


def scope_of(categories: tuple[str, ...] | frozenset[str] = CATEGORIES) -> Scope:
    return Scope(START, END, frozenset(categories))


def bundle_for(
    records: list[JournalRecord], scope: Scope | None = None, as_of: datetime = AS_OF
) -> tuple[dict[str, Any], list[JournalRecord]]:
    """The Bundle as the share link builds it: scope, insights of the scope, bundle."""
    scope = scope or scope_of()
    shown = scoped(records, scope)
    insights = derive_insights(shown, scope.start, scope.end, as_of.date())
    return fhir_bundle(shown, insights, scope=scope, as_of=as_of), shown


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def observations(bundle: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [
        obs
        for obs in resources(bundle, "Observation")
        if any(c["code"] == code for c in obs["code"].get("coding", []))
    ]


def patient_ref(bundle: dict[str, Any]) -> str:
    first = bundle["entry"][0]
    assert first["resource"]["resourceType"] == "Patient"
    return str(first["fullUrl"])


def assert_valid(bundle: dict[str, Any]) -> None:
    """The Bundle and each resource on its own parse with fhir.resources' R4B models."""
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        uuid.UUID(resource["id"])
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(urls) == len(set(urls))


def test_the_bundle_is_valid_r4_with_the_patient_as_subject_of_everything() -> None:
    bundle, shown = bundle_for(journal())
    assert_valid(bundle)
    assert bundle["type"] == "collection"
    assert bundle["timestamp"] == "2026-04-01T09:30:00+00:00"
    assert bundle["meta"]["lastUpdated"] == "2026-04-01T09:30:00+00:00"
    patient = bundle["entry"][0]["resource"]
    # The display name and nothing else that could identify the person.
    assert set(patient) == {"resourceType", "id", "name"}
    assert patient["name"] == [{"text": "Sam"}]
    me = patient_ref(bundle)
    for entry in bundle["entry"][1:]:
        assert entry["resource"]["subject"] == {"reference": me}
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == {
        "Patient", "QuestionnaireResponse", "Observation", "MedicationStatement", "Procedure",
    }  # fmt: skip
    # A record's resource is its own id: a clinic system that stores it can match it next time.
    ids = {entry["fullUrl"] for entry in bundle["entry"]}
    for record in shown:
        if record.kind in ("assessment", "checkin", "medication", "session", "lab"):
            assert f"urn:uuid:{record.record_id}" in ids


def test_phq9_is_a_questionnaire_response_and_observations_with_the_insights_totals() -> None:
    bundle, shown = bundle_for(journal())
    insights = derive_insights(shown, START, END, AS_OF.date())
    totals = observations(bundle, "44261-6")
    # In time order, 16 and 9; the December PHQ-9 is outside the period.
    assert [obs["valueQuantity"]["value"] for obs in totals] == [16, 9]
    assert [obs["valueQuantity"]["value"] for obs in totals] == [p.total for p in insights.phq9]
    for obs in totals:
        quantity = obs["valueQuantity"]
        assert (quantity["unit"], quantity["code"]) == ("{score}", "{score}")
        assert quantity["system"] == "http://unitsofmeasure.org"
        assert obs["category"][0]["coding"][0]["code"] == "survey"
    assert [obs["effectiveDateTime"] for obs in totals] == [p.at for p in insights.phq9]
    responses = [
        r
        for r in resources(bundle, "QuestionnaireResponse")
        if r["questionnaire"].endswith("44249-1")
    ]
    assert [r["questionnaire"] for r in responses] == ["http://loinc.org/q/44249-1"] * 2
    later = responses[1]
    assert later["status"] == "completed"
    assert later["authored"] == "2026-02-20T09:00:00+01:00"
    # Nine items and the difficulty item, answered with LOINC answer codes.
    assert [item["linkId"] for item in later["item"]] == [*PHQ9_ITEMS, "69722-7"]
    item9 = later["item"][8]["answer"][0]["valueCoding"]
    assert (item9["code"], item9["display"]) == ("LA6569-3", "Several days")
    difficulty = later["item"][9]["answer"][0]["valueCoding"]
    assert (difficulty["code"], difficulty["display"]) == ("LA6575-0", "Very difficult")
    # The total is derived from the response; the panel holds the total and every item.
    assert totals[1]["derivedFrom"] == [{"reference": f"urn:uuid:{later['id']}"}]
    [panel] = [
        p for p in observations(bundle, "44249-1") if p["derivedFrom"] == totals[1]["derivedFrom"]
    ]
    members = {m["reference"] for m in panel["hasMember"]}
    assert f"urn:uuid:{totals[1]['id']}" in members and len(members) == 11
    # Item 9 on its own, as a clinician's system would look for it.
    item9_obs = [
        o for o in observations(bundle, "44260-8") if o["effectiveDateTime"] == later["authored"]
    ]
    assert item9_obs[0]["valueCodeableConcept"]["coding"][0]["code"] == "LA6569-3"


def test_gad7_uses_its_own_panel_total_and_item_codes() -> None:
    bundle, _ = bundle_for(journal())
    [response] = [
        r
        for r in resources(bundle, "QuestionnaireResponse")
        if r["questionnaire"].endswith("69737-5")
    ]
    assert [item["linkId"] for item in response["item"]] == GAD7_ITEMS
    [total] = observations(bundle, "70274-6")
    assert total["valueQuantity"]["value"] == 9  # 3 + 2 + 1 + 0 + 0 + 1 + 2
    assert len(observations(bundle, "69737-5")) == 1
    # answers 3 and 2: "Nearly every day", "More than half the days"
    first = response["item"][0]["answer"][0]["valueCoding"]
    assert first["code"] == "LA6571-9"
    assert response["item"][1]["answer"][0]["valueCoding"]["code"] == "LA6570-1"


def test_sleep_duration_is_93832_4_in_hours_equal_to_the_insights() -> None:
    bundle, shown = bundle_for(journal())
    insights = derive_insights(shown, START, END, AS_OF.date())
    nights = observations(bundle, "93832-4")
    # 7.25 h and 5.5 h; the night without a wake time and the April night are not there.
    assert [obs["valueQuantity"]["value"] for obs in nights] == [7.25, 5.5]
    assert [obs["valueQuantity"]["value"] for obs in nights] == [
        n.hours for n in insights.sleep.per_night
    ]
    for obs in nights:
        assert obs["valueQuantity"]["unit"] == "h"
        assert obs["valueQuantity"]["system"] == "http://unitsofmeasure.org"
        assert obs["valueQuantity"]["code"] == "h"
    assert nights[1]["effectivePeriod"] == {
        "start": "2026-01-12T00:10:00+01:00",
        "end": "2026-01-12T05:40:00+01:00",
    }


def test_daily_mood_uses_the_local_code_system_with_the_other_ratings_as_components() -> None:
    bundle, _ = bundle_for(journal())
    moods = [
        obs
        for obs in resources(bundle, "Observation")
        if obs["code"].get("coding", [{}])[0].get("system") == LOCAL
        and obs["code"]["coding"][0]["code"] == "mood"
    ]
    assert [obs["valueInteger"] for obs in moods] == [4, 6]
    assert moods[0]["code"]["text"] == "Mood (0-10, self-rated)"
    assert {c["code"]["coding"][0]["code"]: c["valueInteger"] for c in moods[0]["component"]} == {
        "anxiety": 6,
        "energy": 3,
    }
    assert "component" not in moods[1]
    assert moods[0]["effectiveDateTime"] == "2026-01-10T20:00:00+00:00"


@pytest.mark.parametrize(
    ("categories", "shared_note"),
    [(CATEGORIES, True), (DEFAULT_CATEGORIES, False)],
)
def test_a_private_note_never_appears_and_a_shared_one_only_with_notes(
    categories: tuple[str, ...], shared_note: bool
) -> None:
    bundle, _ = bundle_for(journal(), scope_of(categories))
    text = msgspec.json.encode(bundle).decode()
    assert PRIVATE not in text
    assert "SAFETY-PLAN" not in text
    assert (SHARED in text) is shared_note
    if shared_note:
        [noted] = [o for o in resources(bundle, "Observation") if "note" in o]
        assert noted["note"] == [{"text": SHARED}]


@pytest.mark.parametrize(
    ("left_out", "absent"),
    [
        ("sleep", "93832-4"),
        ("assessment", "44261-6"),
        ("checkin", "mood"),
        ("medication", "MedicationStatement"),
        ("session", "Procedure"),
        ("lab", "TSH"),
        ("measurement", "85354-9"),
        ("activity", "activity-minutes"),
    ],
)
def test_a_category_left_out_appears_nowhere(left_out: str, absent: str) -> None:
    everything, _ = bundle_for(journal())
    assert absent in msgspec.json.encode(everything).decode()
    bundle, _ = bundle_for(journal(), scope_of(frozenset(CATEGORIES) - {left_out}))
    assert_valid(bundle)
    assert absent not in msgspec.json.encode(bundle).decode()


def test_medications_are_statements_by_the_patient_with_dose_steps_and_stop_reason() -> None:
    bundle, _ = bundle_for(journal())
    me = patient_ref(bundle)
    statements = {
        s["medicationCodeableConcept"]["text"]: s for s in resources(bundle, "MedicationStatement")
    }
    assert set(statements) == {"Sertraline", "Fluoxetine"}
    for statement in statements.values():
        assert statement["informationSource"] == {"reference": me}
        assert statement["category"]["coding"][0]["code"] == "patientspecified"
    sertraline = statements["Sertraline"]
    assert sertraline["status"] == "stopped"
    assert sertraline["statusReason"] == [{"text": "Side effects"}]
    assert sertraline["effectivePeriod"] == {"start": "2025-12-20", "end": "2026-02-01"}
    doses = [
        (
            s["text"],
            s["doseAndRate"][0]["doseQuantity"]["value"],
            s["timing"]["repeat"]["boundsPeriod"],
        )
        for s in sertraline["dosage"]
    ]
    assert doses == [
        ("50 mg", 50, {"start": "2025-12-20", "end": "2026-01-10"}),
        ("100 mg", 100, {"start": "2026-01-10", "end": "2026-02-01"}),
    ]
    assert sertraline["dosage"][1]["doseAndRate"][0]["doseQuantity"]["code"] == "mg"
    fluoxetine = statements["Fluoxetine"]
    assert fluoxetine["status"] == "active"
    assert fluoxetine["effectivePeriod"] == {"start": "2026-02-01"}
    assert fluoxetine["dosage"][0]["text"] == "20 mg, mornings"
    assert "statusReason" not in fluoxetine


def test_a_stop_after_the_shared_period_is_not_in_it() -> None:
    """Shared up to 31 Mar, stopped 15 Apr: in the period the drug was being taken."""
    records = [
        med(
            SERTRALINE,
            "Sertraline",
            dose=50,
            unit="mg",
            started_on="2026-01-01",
            stopped_on="2026-04-15",
            stop_reason="no_effect",
        ),
    ]
    bundle, _ = bundle_for(records, as_of=datetime(2026, 5, 1, tzinfo=UTC))
    [statement] = resources(bundle, "MedicationStatement")
    assert statement["status"] == "active"
    assert "2026-04-15" not in msgspec.json.encode(bundle).decode()
    assert "statusReason" not in statement


def test_dose_steps_outside_the_period_are_not_shown() -> None:
    """Shared up to 31 Mar: the step of 10 Apr is after it and is left out."""
    records = [
        med(
            FLUOXETINE,
            "Fluoxetine",
            unit="mg",
            started_on="2026-02-01",
            dose_changes=steps(("2026-02-01", 20), ("2026-04-10", 40)),
        ),
    ]
    bundle, _ = bundle_for(records, as_of=datetime(2026, 5, 1, tzinfo=UTC))
    [statement] = resources(bundle, "MedicationStatement")
    assert [dosage["text"] for dosage in statement["dosage"]] == ["20 mg"]
    assert statement["dosage"][0]["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-02-01"}
    assert "2026-04-10" not in msgspec.json.encode(bundle).decode()


def test_clinic_sessions_are_completed_procedures_with_their_readings() -> None:
    bundle, _ = bundle_for(journal())
    [procedure] = resources(bundle, "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["code"]["text"] == "Esketamine session"
    assert procedure["performedDateTime"] == "2026-02-03T10:00:00+00:00"
    assert procedure["note"] == [
        {"text": "Blood pressure before: 128/82"},
        {"text": "Dissociation: 4/10"},
    ]


def test_labs_and_measurements_carry_their_values_and_units() -> None:
    bundle, _ = bundle_for(journal())
    [pressure] = observations(bundle, "85354-9")
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in pressure["component"]
    ] == [
        ("8480-6", 130),
        ("8462-4", 85),
    ]
    assert pressure["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    [weight] = observations(bundle, "29463-7")
    assert weight["valueQuantity"] == {
        "value": 71.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg",
    }  # fmt: skip
    [tsh] = [o for o in resources(bundle, "Observation") if o["code"].get("text") == "TSH"]
    assert tsh["effectiveDateTime"] == "2026-01-20"
    assert tsh["valueQuantity"]["value"] == 2.1


def test_no_profile_means_a_patient_without_a_name() -> None:
    bundle, _ = bundle_for(journal()[1:])
    assert_valid(bundle)
    assert bundle["entry"][0]["resource"] == {
        "resourceType": "Patient",
        "id": bundle["entry"][0]["resource"]["id"],
    }


def test_the_same_journal_gives_the_same_bundle_whatever_order_it_is_read_in() -> None:
    records = journal()
    first, _ = bundle_for(records)
    again, _ = bundle_for(records)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    reordered, _ = bundle_for(shuffled)
    encoded = msgspec.json.encode(first)
    assert encoded == msgspec.json.encode(again) == msgspec.json.encode(reordered)
    later, _ = bundle_for(records, as_of=datetime(2026, 4, 2, tzinfo=UTC))
    # Only the time stamps (and the Bundle's own id) change with the time of reading.
    assert later["entry"] == first["entry"]


def test_a_demo_journal_bundles_into_valid_r4_with_the_insights_numbers() -> None:
    user = uuid.UUID("0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9f")
    records = [
        journal_record(
            user, uuid.UUID(g.record_id), g.kind, {k: {"v": v} for k, v in g.values.items()}, False
        )
        for g in generate_journal(start=date(2026, 1, 5), days=120, seed=5)
    ]
    scope = Scope(date(2026, 1, 5), date(2026, 5, 4), frozenset(CATEGORIES))
    bundle, shown = bundle_for(records, scope, datetime(2026, 5, 5, tzinfo=UTC))
    assert_valid(bundle)
    insights = derive_insights(shown, scope.start, scope.end, date(2026, 5, 5))
    assert [o["valueQuantity"]["value"] for o in observations(bundle, "44261-6")] == [
        p.total for p in insights.phq9
    ]
    assert [o["valueQuantity"]["value"] for o in observations(bundle, "93832-4")] == [
        n.hours for n in insights.sleep.per_night
    ]
    assert len(resources(bundle, "MedicationStatement")) == len(insights.trials)
