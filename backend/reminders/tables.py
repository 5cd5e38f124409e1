"""Push subscriptions, derived reminder rows, deliveries and logged markers."""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigSerial,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import Account


class PushSubscription(Table, tablename="push_subscription"):
    id = Serial(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    device_id = UUID()
    endpoint = Text(unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=64)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Reminder(Table, tablename="reminder"):
    """One nudge to send: a routine occurrence, its follow-up, a snooze or a test.

    Derived from routine records (never synced); `slot` is unique per person so that
    recomputing a schedule can never create the same nudge twice.
    """

    id = BigSerial(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    routine_id = UUID(null=True, default=None)
    occurrence = Varchar(length=120)
    # main | follow_up | snooze | test
    purpose = Varchar(length=16)
    slot = Varchar(length=200)
    due_at = Timestamptz(index=True)
    # pending | sending | sent | skipped | failed
    state = Varchar(length=12, default="pending", index=True)
    claimed_by = Varchar(length=64, default="")
    claimed_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    sent_at = Timestamptz(null=True, default=None)
    detail = Text(default="")


class Delivery(Table, tablename="delivery"):
    """A reminder delivered to one subscription: the at-most-once-per-subscription record."""

    id = BigSerial(primary_key=True)
    reminder_id = ForeignKey(Reminder, on_delete=OnDelete.cascade, index=True, null=False)
    subscription_id = ForeignKey(
        PushSubscription, on_delete=OnDelete.cascade, index=True, null=False
    )
    status = Varchar(length=12)
    at = Timestamptz()


class RoutineHorizon(Table, tablename="routine_horizon"):
    """How far ahead each routine's reminders have been derived."""

    id = BigSerial(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    routine_id = UUID()
    until = Timestamptz(index=True)


class LoggedMarker(Table, tablename="logged_marker"):
    """Facts that make a reminder unnecessary: "occ:<occurrence>" or "checkin:<date>"."""

    id = BigSerial(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    marker = Varchar(length=200)
    record_id = UUID()


__all__ = ["Delivery", "LoggedMarker", "PushSubscription", "Reminder", "RoutineHorizon"]
