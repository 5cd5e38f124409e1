"""The passphrase rules of sign-up, change and recovery: one pure function, plain answers.

Mirrored for instant feedback by `checkNewAccount` in pwa/js/session.js; this is the rule.
"""

from __future__ import annotations

import unicodedata

from backend.errors import InvalidInput

MIN_PASSPHRASE = 10


def passphrase_problem(passphrase: str, username: str) -> str | None:
    """Why `passphrase` may not be chosen by `username`, in plain words; None if it may."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"Choose a passphrase of at least {MIN_PASSPHRASE} characters."
    if passphrase.isspace():
        return "A passphrase cannot be only spaces."
    # Cc: tabs, line breaks, NUL, DEL and the rest, which look like nothing on screen or
    # differ between keyboards; Cs: lone surrogates. Joiners inside emoji (Cf) are fine.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in passphrase):
        return "A passphrase cannot contain control characters such as tabs or line breaks."
    if len({ch for ch in passphrase.casefold() if not ch.isspace()}) == 1:
        return "A passphrase cannot be one character repeated."
    name = username.strip().casefold()
    if name and name in passphrase.casefold():
        return "A passphrase cannot contain your username."
    return None


def check_passphrase(passphrase: str, username: str) -> None:
    """Raise InvalidInput (`weak-passphrase`) unless `passphrase` may be chosen."""
    problem = passphrase_problem(passphrase, username)
    if problem is not None:
        raise InvalidInput(problem, code="weak-passphrase")
