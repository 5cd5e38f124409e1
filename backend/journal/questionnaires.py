"""PHQ-9 and GAD-7 scoring (product.md): totals and severity bands, the one source.

The app names totals with its own copy in pwa/js/questionnaires.js (next to the exact published
wording; the offline budget has no room for a second copy in rules.js), and
tests/unit/test_questionnaire_bands.py fails when the two differ.
"""

from __future__ import annotations

from collections.abc import Sequence

# (lowest total, band) in ascending order: Kroenke et al. 2001 (PHQ-9), Spitzer et al. 2006 (GAD-7).
BANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "phq9": (
        (0, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (15, "moderately severe"),
        (20, "severe"),
    ),
    "gad7": ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
}
# PHQ-9 item 9: "Thoughts that you would be better off dead, or of hurting yourself in some way".
ITEM9_INDEX = 8


def total(answers: Sequence[int]) -> int:
    return sum(answers)


def band(instrument: str, score: int) -> str:
    """The severity band of a total in words ("moderately severe")."""
    name = BANDS[instrument][0][1]
    for lowest, label in BANDS[instrument]:
        if score >= lowest:
            name = label
    return name
