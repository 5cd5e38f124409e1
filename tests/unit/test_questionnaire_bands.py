"""The app's PHQ-9 and GAD-7 bands (pwa/js/questionnaires.js) are the server's
(backend/journal/questionnaires.py): a total reads as the same band on the phone, in the
insights API and on the clinician summary."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.journal.questionnaires import BANDS, band

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "const q = await import('./pwa/js/questionnaires.js');"
    "const bands = {phq9: q.PHQ9.bands, gad7: q.GAD7.bands};"
    "const named = {};"
    "for (const i of ['phq9', 'gad7']) named[i] = [...Array(28).keys()].map((t) => q.band(i, t));"
    "console.log(JSON.stringify({bands, named}));"
)


@pytest.fixture(scope="module")
def app_bands() -> dict[str, object]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to read the app's questionnaires.js")
    out = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT], cwd=ROOT, capture_output=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_the_app_has_the_servers_bands(app_bands: dict[str, object]) -> None:
    expected = {name: [list(b) for b in bands] for name, bands in BANDS.items()}
    assert app_bands["bands"] == expected


def test_every_total_gets_the_same_band_on_both_sides(app_bands: dict[str, object]) -> None:
    named = app_bands["named"]
    assert isinstance(named, dict)
    for instrument, top in (("phq9", 27), ("gad7", 21)):
        assert named[instrument][: top + 1] == [band(instrument, t) for t in range(top + 1)]
    assert band("phq9", 15) == "moderately severe" and band("gad7", 15) == "severe"
