"""Why a reminder row exists (its `purpose` column), and the slots that keep nudges single."""

from __future__ import annotations

MAIN = "main"  # a routine occurrence
FOLLOW_UP = "follow_up"  # the single re-nudge after a main reminder that was sent
SNOOZE = "snooze"  # a one-off re-send the person asked for
TEST = "test"  # "Send test reminder": no routine


def follow_up_slot(occurrence: str) -> str:
    """The slot of an occurrence's follow-up: unique per person, so there is only ever one."""
    return f"{occurrence}#follow-up"
