"""Passphrase rules, the same at sign-up, change and recovery.

Only length was checked: ten spaces, ten of one letter, a passphrase with control
characters or one that contains the username were all accepted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from backend.accounts.passphrase import MIN_PASSPHRASE, passphrase_problem
from tests.conftest import IN_CI, PASSPHRASE, signup

SESSION_JS = Path(__file__).resolve().parents[2] / "pwa" / "js" / "session.js"
NODE = shutil.which("node")

WEAK = [
    ("too short", "alice", "at least 10"),
    (" " * 12, "alice", "spaces"),
    ("\t \n  \u3000   \u00a0 ", "alice", "spaces"),
    ("aaaaaaaaaaaa", "alice", "repeated"),
    ("aAaA aAaA aAaA", "alice", "repeated"),
    ("............", "alice", "repeated"),
    ("correct\thorse battery", "alice", "control"),
    ("correct horse\nbattery", "alice", "control"),
    ("correct horse\x00battery", "alice", "control"),
    ("correct horse\x7fbattery", "alice", "control"),
    ("correct horse\x85battery", "alice", "control"),
    ("alice in wonderland", "alice", "username"),
    ("my name is ALICE ok", "alice", "username"),
    ("xx.bob_99.xx long", "bob_99", "username"),
]

GOOD = [
    ("correct horse battery", "alice"),
    ("ten chars!", "alice"),
    ("ébène grise à midi", "alice"),
    ("🐢🐢🐢🐢🐢🐢🐢🐢🐢🐇", "alice"),  # two different characters
    ("a" * 9 + "b", "alice"),
    ("  leading and trailing  ", "alice"),
    ("👩\u200d👩\u200d👧 family now", "alice"),  # zero-width joiners are not control characters
]


@pytest.mark.parametrize(("passphrase", "username", "reason"), WEAK)
def test_weak_passphrases_are_named_plainly(passphrase: str, username: str, reason: str) -> None:
    problem = passphrase_problem(passphrase, username)
    assert problem is not None
    assert reason in problem
    assert problem.endswith(".")


@pytest.mark.parametrize(("passphrase", "username"), GOOD)
def test_reasonable_passphrases_pass(passphrase: str, username: str) -> None:
    assert passphrase_problem(passphrase, username) is None


def test_the_length_rule_is_unchanged() -> None:
    assert MIN_PASSPHRASE == 10
    assert passphrase_problem("x" * 8 + "yz", "alice") is None
    assert passphrase_problem("x" * 7 + "yz", "alice") is not None


@pytest.mark.skipif(NODE is None and not IN_CI, reason="Node is not installed")
def test_the_pwa_gives_the_same_answers_before_sending() -> None:
    """checkNewAccount in pwa/js/session.js mirrors the rules (the length text is its own)."""
    cases = [(p, u) for p, u, _ in WEAK] + GOOD
    script = (
        f"const m = await import({json.dumps(SESSION_JS.as_uri())});"
        "const cases = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(cases.map(([p, u]) => m.checkNewAccount(u, p))));"
    )
    assert NODE is not None, "CI needs Node for this test"
    run = subprocess.run(
        [NODE, "--input-type=module", "-e", script, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers = json.loads(run.stdout)
    for (passphrase, username), answer in zip(cases, answers, strict=True):
        expected = passphrase_problem(passphrase, username)
        if expected is None or "at least" in expected:
            assert (answer is None) == (expected is None), (passphrase, answer)
        else:
            assert answer == expected, (passphrase, username)


def assert_weak(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "weak-passphrase"


@pytest.mark.parametrize(("passphrase", "username", "reason"), WEAK)
async def test_signup_refuses_weak_passphrases(
    client: httpx.AsyncClient, passphrase: str, username: str, reason: str
) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": username, "passphrase": passphrase}
    )
    assert_weak(response)
    assert reason in response.json()["detail"]


async def test_signup_compares_with_the_username_as_stored(client: httpx.AsyncClient) -> None:
    # Usernames are case-folded and trimmed before the comparison.
    response = await client.post(
        "/api/v1/auth/signup", json={"username": "  Carol ", "passphrase": "carol's own garden"}
    )
    assert_weak(response)


@pytest.mark.parametrize(
    "new", ["            ", "zzzzzzzzzzzz", "alice is me now", "tab\there and there"]
)
async def test_change_refuses_weak_passphrases(client: httpx.AsyncClient, new: str) -> None:
    await signup(client)
    response = await client.post(
        "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": new}
    )
    assert_weak(response)
    # The old passphrase still works.
    again = await client.post(
        "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": "a fine new passphrase"}
    )
    assert again.status_code == 204, again.text


@pytest.mark.parametrize("new", ["            ", "################", "ALICE forever more"])
async def test_recovery_refuses_weak_new_passphrases(client: httpx.AsyncClient, new: str) -> None:
    account = await signup(client)
    response = await client.post(
        "/api/v1/auth/recover",
        json={
            "username": "alice",
            "recovery_code": account["recovery_code"],
            "new_passphrase": new,
        },
    )
    assert_weak(response)
    good = await client.post(
        "/api/v1/auth/recover",
        json={
            "username": "alice",
            "recovery_code": account["recovery_code"],
            "new_passphrase": "a fine new passphrase",
        },
    )
    assert good.status_code == 200, good.text
