"""A share's FHIR R4 Bundle (type collection): the scoped records as resources for a clinic.

Pure: `fhir_bundle(scoped records, insights, scope=, as_of=)` -> plain dicts, ready to encode.
Built only from the records it is given (already `scoped`), so what the page leaves out the
Bundle leaves out too. Codes are product.md's "Codes for interop": PHQ-9 and GAD-7 as a
QuestionnaireResponse plus Observations (panel, items, total) with LOINC codes, sleep duration
93832-4, daily mood with a local code system, medications as MedicationStatement with the
Patient as informationSource, clinic sessions as Procedure. Every entry is patient-reported:
Observations name the Patient as performer and MedicationStatements are `patientspecified`.

Ids are stable: a record's resource is `urn:uuid:<record id>`; resources derived from one
record (the PHQ-9 panel, items and total) and the Patient get uuid5 ids, so the same journal
gives the same Bundle byte for byte. Plain dicts rather than fhir.resources models: a year of
dense data must encode in milliseconds, and the models are a test dependency only.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from backend.journal.kinds import (
    Activity,
    Assessment,
    Checkin,
    Lab,
    Measurement,
    Medication,
    Session,
    Sleep,
)
from backend.journal.questionnaires import total as total_of
from backend.sharing.scope import DATE_FIELD, Scope, display_name
from backend.sync.read import JournalRecord, collector_paused
from backend.treatment.lifestyle import night_hours
from backend.treatment.schemas import Insights
from backend.treatment.trials import dose_steps

Resource = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# No standard code for a 0-10 self-rating (product.md): Tend's own system, on a domain that
# can never resolve to someone else's.
LOCAL = "https://tend.invalid/fhir/CodeSystem/journal"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
STATEMENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/medication-statement-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tend.invalid/fhir")


class Instrument(NamedTuple):
    name: str
    panel: str
    total: str
    items: tuple[str, ...]


# LOINC item codes in the order of the published forms (product.md; GAD-7 item 2 is 68509-9,
# checked against the LOINC check digit and the LOINC panel's Questionnaire).
INSTRUMENTS = {
    "phq9": Instrument(
        "PHQ-9", "44249-1", "44261-6",
        ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
         "44253-3", "44260-8"),
    ),
    "gad7": Instrument(
        "GAD-7", "69737-5", "70274-6",
        ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    ),
}  # fmt: skip
# "How difficult have these problems made it...": the same LOINC question on both forms.
DIFFICULTY_ITEM = "69722-7"
FREQUENCY = (
    ("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"),
)  # fmt: skip
DIFFICULTY = (
    ("LA6572-7", "Not difficult at all"), ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"), ("LA6574-3", "Extremely difficult"),
)  # fmt: skip
SLEEP_DURATION = "93832-4"
# The journal's self-ratings on the local system: code -> code.text.
RATINGS = {
    "mood": "Mood (0-10, self-rated)",
    "anxiety": "Anxiety (0-10, self-rated)",
    "energy": "Energy (0-10, self-rated)",
    "elevated": "Elevated mood or racing thoughts (0-10, self-rated)",
    "irritability": "Irritability (0-10, self-rated)",
}
SESSION_NAMES = {
    "esketamine": "Esketamine session", "ketamine": "Ketamine session",
    "ect": "ECT (electroconvulsive therapy)",
    "rtms": "rTMS (repetitive transcranial magnetic stimulation)",
    "tms_theta": "Theta burst TMS", "vns": "VNS (vagus nerve stimulation)",
    "dbs": "DBS (deep brain stimulation)", "therapy": "Psychotherapy session",
    "other": "Clinic session",
}  # fmt: skip
LAB_NAMES = {
    "tsh": "TSH", "vitamin_d": "Vitamin D", "lithium_level": "Lithium level", "other": "Lab test",
}  # fmt: skip
STOP_REASONS = {
    "side_effects": "Side effects", "no_effect": "No effect", "partial_effect": "Partial effect",
    "cost": "Cost", "other": "Other reason",
}  # fmt: skip
# Measurement type -> (LOINC code, code.text).
VITALS = {
    "weight": ("29463-7", "Body weight"),
    "heart_rate": ("8867-4", "Heart rate"),
    "blood_pressure": ("85354-9", "Blood pressure"),
}
SYSTOLIC, DIASTOLIC = ("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure")
# Units people type -> UCUM; any other unit goes out as its text alone.
UCUM_UNITS = {
    "mg": "mg", "g": "g", "mcg": "ug", "ug": "ug", "µg": "ug", "ml": "mL", "mL": "mL",
    "kg": "kg", "lb": "[lb_av]", "lbs": "[lb_av]", "bpm": "/min", "/min": "/min",
    "mmHg": "mm[Hg]", "mmol/L": "mmol/L", "mmol/l": "mmol/L", "ng/mL": "ng/mL",
    "nmol/L": "nmol/L", "mU/L": "m[IU]/L", "mIU/L": "m[IU]/L", "h": "h", "min": "min",
}  # fmt: skip
# The order of the Bundle: the person, symptoms, treatment, then the rest (data.md's order).
KIND_ORDER = ("assessment", "checkin", "medication", "session", "sleep", "activity", "lab",
              "measurement")  # fmt: skip


class Context(NamedTuple):
    subject: Resource
    # The last day the share speaks for: a stop after it is outside the shared period.
    cutoff: date
    # Sleep record id -> the insights' hours for its night.
    hours: dict[uuid.UUID, float]


def fhir_bundle(
    records: list[JournalRecord], insights: Insights, *, scope: Scope, as_of: datetime
) -> dict[str, Any]:
    """The Bundle for `records` (already `scoped` to `scope`), data as of `as_of` (aware)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must carry its UTC offset")
    patient_id = _patient_id(records)
    context = Context(
        subject={"reference": f"urn:uuid:{patient_id}"},
        cutoff=min(scope.end, as_of.date()),
        hours=_sleep_hours(records, insights),
    )
    resources = [_patient(patient_id, records)]
    shown = [r for r in records if not r.deleted and r.value is not None and r.kind in _BUILDERS]
    # Tens of thousands of small dicts and no cycle among them: see collector_paused.
    with collector_paused():
        for record in sorted(shown, key=_order):
            resources.extend(_BUILDERS[record.kind](record, context))
    stamp = as_of.isoformat(timespec="seconds")
    return {
        "resourceType": "Bundle",
        "id": str(_derived(patient_id, f"bundle/{scope.start}/{scope.end}/{stamp}")),
        "meta": {"lastUpdated": stamp},
        "type": "collection",
        "timestamp": stamp,
        "entry": [{"fullUrl": f"urn:uuid:{res['id']}", "resource": res} for res in resources],
    }


def _derived(base: uuid.UUID | str, part: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{base}/{part}")


def _patient_id(records: Sequence[JournalRecord]) -> uuid.UUID:
    # A hash of the account id: stable across opens of a link, and not the account id itself.
    owner = next((str(r.user_id) for r in records), "nobody")
    return _derived(owner, "patient")


def _patient(patient_id: uuid.UUID, records: Sequence[JournalRecord]) -> Resource:
    """The display name the person chose, and nothing else that identifies them."""
    patient: Resource = {"resourceType": "Patient", "id": str(patient_id)}
    name = display_name(records)
    if name:
        patient["name"] = [{"text": name}]
    return patient


def _sleep_hours(records: Sequence[JournalRecord], insights: Insights) -> dict[uuid.UUID, float]:
    """Each sleep record's hours as the insights give them, so the page and the Bundle agree.

    `per_night` follows the records' order within a night (a stable sort by night), so two
    records of one night pair up with its two entries in that same order.
    """
    queues: dict[date, deque[float]] = defaultdict(deque)
    for night in insights.sleep.per_night:
        queues[night.night_of].append(night.hours)
    nights = [(r.record_id, s) for r in records if not r.deleted and (s := r.typed(Sleep))]
    found = {}
    for record_id, sleep in sorted(nights, key=lambda pair: pair[1].night_of):
        queue = queues.get(sleep.night_of)
        if queue and night_hours(sleep) is not None:
            found[record_id] = queue.popleft()
    return found


def _order(record: JournalRecord) -> tuple[int, float, uuid.UUID]:
    """Kind, then time (entries of different offsets in true order), then id: a stable order."""
    field = "started_on" if record.kind == "medication" else DATE_FIELD.get(record.kind, "")
    value = getattr(record.value, field, None)
    if isinstance(value, datetime):
        moment = value.timestamp()
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    else:
        moment = -math.inf
    return KIND_ORDER.index(record.kind), moment, record.record_id


def _quantity(value: float, unit: str | None) -> Resource:
    quantity: Resource = {"value": value}
    if unit:
        quantity["unit"] = unit
        if unit in UCUM_UNITS:
            quantity.update(system=UCUM, code=UCUM_UNITS[unit])
    return quantity


def _category(code: str) -> list[Resource]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _local(code: str, text: str) -> Resource:
    return {"coding": [{"system": LOCAL, "code": code}], "text": text}


def _loinc(code: str, text: str) -> Resource:
    return {"coding": [{"system": LOINC, "code": code}], "text": text}


def _observation(oid: uuid.UUID | str, code: Resource, context: Context, **fields: Any) -> Resource:
    """A final, patient-reported Observation about the Patient; `fields` add value, time..."""
    return {
        "resourceType": "Observation",
        "id": str(oid),
        "status": "final",
        "code": code,
        "subject": context.subject,
        "performer": [context.subject],
        **fields,
    }


def _answer(scale: Sequence[tuple[str, str]], score: int) -> Resource:
    code, display = scale[score]
    return {
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": score}],
        "system": LOINC,
        "code": code,
        "display": display,
    }


def _score(value: int) -> Resource:
    return {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"}


def _assessment(record: JournalRecord, context: Context) -> list[Resource]:
    """QuestionnaireResponse, then the panel Observation, its total and one per item."""
    form = record.typed(Assessment)
    spec = INSTRUMENTS[form.instrument] if form is not None else None
    if form is None or spec is None or len(form.answers) != len(spec.items):
        return []  # answers that fit no form cannot be coded item by item
    rid, at = str(record.record_id), form.at.isoformat()
    answered = [
        (code, _answer(FREQUENCY, score))
        for code, score in zip(spec.items, form.answers, strict=True)
    ]
    if form.difficulty is not None:
        answered.append((DIFFICULTY_ITEM, _answer(DIFFICULTY, form.difficulty)))
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "questionnaire": f"{LOINC}/q/{spec.panel}",
        "status": "completed",
        "subject": context.subject,
        "authored": at,
        "source": context.subject,
        "item": [
            {"linkId": code, "answer": [{"valueCoding": coding}]} for code, coding in answered
        ],
    }
    source = [{"reference": f"urn:uuid:{rid}"}]
    common = {"category": _category("survey"), "effectiveDateTime": at, "derivedFrom": source}
    total = _observation(
        _derived(rid, "total"), _loinc(spec.total, f"{spec.name} total score"), context,
        **common, valueQuantity=_score(total_of(form.answers)),
    )  # fmt: skip
    items = [
        _observation(
            _derived(rid, code), _loinc(code, f"{spec.name} item {n}"), context,
            **common, valueCodeableConcept={"coding": [coding], "text": coding["display"]},
        )
        for n, (code, coding) in enumerate(answered, start=1)
    ]  # fmt: skip
    members = [{"reference": f"urn:uuid:{obs['id']}"} for obs in (total, *items)]
    panel = _observation(
        _derived(rid, "panel"), _loinc(spec.panel, spec.name), context, **common, hasMember=members
    )
    return [response, panel, total, *items]


def _checkin(record: JournalRecord, context: Context) -> list[Resource]:
    """The day's mood, with the other ratings given as components on the same local system."""
    checkin = record.typed(Checkin)
    if checkin is None:
        return []
    components = [
        {"code": _local(name, text), "valueInteger": getattr(checkin, name)}
        for name, text in RATINGS.items()
        if name != "mood" and getattr(checkin, name) is not None
    ]
    fields: Resource = {
        "category": _category("survey"),
        "effectiveDateTime": checkin.at.isoformat(),
        "valueInteger": checkin.mood,
    }
    if components:
        fields["component"] = components
    if checkin.note:  # present only when the person marked it to share (scope.py)
        fields["note"] = [{"text": checkin.note}]
    return [_observation(record.record_id, _local("mood", RATINGS["mood"]), context, **fields)]


def _sleep(record: JournalRecord, context: Context) -> list[Resource]:
    """Hours from bed to waking: the insights' number for the night, so page and Bundle agree."""
    sleep = record.typed(Sleep)
    hours = context.hours.get(record.record_id)
    if sleep is None or sleep.bed_at is None or sleep.wake_at is None or hours is None:
        return []  # a night the insights do not count (no span, or outside the period)
    period = {"start": sleep.bed_at.isoformat(), "end": sleep.wake_at.isoformat()}
    return [
        _observation(
            record.record_id, _loinc(SLEEP_DURATION, "Sleep duration"), context,
            effectivePeriod=period, valueQuantity=_quantity(hours, "h"),
        )
    ]  # fmt: skip


def _activity(record: JournalRecord, context: Context) -> list[Resource]:
    activity = record.typed(Activity)
    if activity is None:
        return []
    detail = " ".join(part for part in (activity.intensity, activity.kind) if part)
    text = "Physical activity (minutes, self-reported)" + (f": {detail}" if detail else "")
    return [
        _observation(
            record.record_id, _local("activity-minutes", text), context,
            category=_category("activity"), effectiveDateTime=activity.at.isoformat(),
            valueQuantity=_quantity(activity.minutes, "min"),
        )
    ]  # fmt: skip


def _session(record: JournalRecord, context: Context) -> list[Resource]:
    """A clinic session as a completed Procedure; readings the person noted go in as notes."""
    session = record.typed(Session)
    if session is None:
        return []
    readings = [
        f"Blood pressure before: {session.bp_before}" if session.bp_before else None,
        f"Blood pressure after: {session.bp_after}" if session.bp_after else None,
        f"Dissociation: {session.dissociation}/10" if session.dissociation is not None else None,
        f"Felt after: {session.felt_after}/10" if session.felt_after is not None else None,
    ]
    procedure: Resource = {
        "resourceType": "Procedure",
        "id": str(record.record_id),
        "status": "completed",
        "code": {"text": SESSION_NAMES[session.type]},
        "subject": context.subject,
        "performedDateTime": session.at.isoformat(),
    }
    notes = [{"text": text} for text in readings if text]
    if notes:
        procedure["note"] = notes
    return [procedure]


def _lab(record: JournalRecord, context: Context) -> list[Resource]:
    lab = record.typed(Lab)
    if lab is None:
        return []
    result = _observation(
        record.record_id, {"text": LAB_NAMES[lab.test]}, context,
        category=_category("laboratory"), effectiveDateTime=lab.on.isoformat(),
        valueQuantity=_quantity(lab.value, lab.unit),
    )  # fmt: skip
    del result["performer"]  # a laboratory measured it; the person only wrote it down
    return [result]


def _measurement(record: JournalRecord, context: Context) -> list[Resource]:
    measurement = record.typed(Measurement)
    if measurement is None:
        return []
    code, text = VITALS.get(measurement.type, ("", "Measurement"))
    fields: Resource = {"effectiveDateTime": measurement.at.isoformat()}
    if code:
        fields["category"] = _category("vital-signs")
    value = measurement.value
    if isinstance(value, str):  # "120/80": systolic and diastolic as components
        high, low = (float(part) for part in value.split("/"))
        fields["component"] = [
            {"code": _loinc(*SYSTOLIC), "valueQuantity": _quantity(high, "mmHg")},
            {"code": _loinc(*DIASTOLIC), "valueQuantity": _quantity(low, "mmHg")},
        ]
    else:
        fields["valueQuantity"] = _quantity(value, measurement.unit)
    concept = _loinc(code, text) if code else {"text": text}
    return [_observation(record.record_id, concept, context, **fields)]


def _medication(record: JournalRecord, context: Context) -> list[Resource]:
    """One MedicationStatement per medication: what, when, at which doses, why stopped."""
    med = record.typed(Medication)
    if med is None:
        return []
    ended = med.stopped_on is not None and med.stopped_on <= context.cutoff
    statement: Resource = {
        "resourceType": "MedicationStatement",
        "id": str(record.record_id),
        "status": _status(med, ended, context.cutoff),
        "category": {"coding": [{"system": STATEMENT_CATEGORY, "code": "patientspecified"}]},
        "medicationCodeableConcept": {"text": med.name},
        "subject": context.subject,
        "informationSource": context.subject,
    }
    # A stop after the shared period is not part of it: within the period the drug was taken.
    stop = med.stopped_on if ended else None
    if med.started_on is not None or stop is not None:
        statement["effectivePeriod"] = {
            key: day.isoformat()
            for key, day in (("start", med.started_on), ("end", stop))
            if day is not None
        }
    if ended and med.stop_reason:
        statement["statusReason"] = [{"text": STOP_REASONS[med.stop_reason]}]
    dosage = _dosage(med, context.cutoff, stop)
    if dosage:
        statement["dosage"] = dosage
    if med.role:
        statement["note"] = [{"text": f"Role: {med.role.replace('_', ' ')}"}]
    return [statement]


def _status(med: Medication, ended: bool, cutoff: date) -> str:
    if ended:  # "stopped": halted before its course was done, for a reason the person gave
        return "stopped" if med.stop_reason else "completed"
    return "intended" if med.started_on is not None and med.started_on > cutoff else "active"


def _dosage(med: Medication, cutoff: date, stop: date | None) -> list[Resource]:
    """Each dose step taken in the period, with its dates (a step ends the day the next begins).

    `stop` is the first day without the drug, so a step written for that day never happened.
    """
    steps = [
        step
        for step in dose_steps(med, med.started_on)
        if step.from_ <= cutoff and (stop is None or step.from_ < stop)
    ]
    if not steps:  # a dose without a start date; steps all after the period show nothing
        if med.dose is None or med.dose_changes:
            return []
        return [_dose(med, med.dose, med.unit, 1, latest=True)]
    found = []
    for n, step in enumerate(steps):
        end = steps[n + 1].from_ if n + 1 < len(steps) else stop
        dosage = _dose(med, step.dose, step.unit, n + 1, latest=n + 1 == len(steps))
        bounds = {"start": step.from_.isoformat()}
        if end is not None:
            bounds["end"] = end.isoformat()
        dosage["timing"] = {"repeat": {"boundsPeriod": bounds}}
        found.append(dosage)
    return found


def _dose(
    med: Medication, amount: float, unit: str | None, sequence: int, *, latest: bool
) -> Resource:
    text = f"{amount:g} {unit}" if unit else f"{amount:g}"
    if amount == 0:
        text = f"{text} (paused)"
    if latest and med.schedule_note:
        text = f"{text}, {med.schedule_note}"
    dosage: Resource = {
        "sequence": sequence,
        "text": text,
        "doseAndRate": [{"doseQuantity": _quantity(amount, unit)}],
    }
    if med.as_needed:
        dosage["asNeededBoolean"] = True
    return dosage


_BUILDERS: dict[str, Callable[[JournalRecord, Context], list[Resource]]] = {
    "assessment": _assessment,
    "checkin": _checkin,
    "medication": _medication,
    "session": _session,
    "sleep": _sleep,
    "activity": _activity,
    "lab": _lab,
    "measurement": _measurement,
}
