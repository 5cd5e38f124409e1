"""Account, device, session, device-key and login-failure tables."""

from __future__ import annotations

from piccolo.columns import UUID, BigInt, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Account(Table, tablename="account"):
    id = UUID(primary_key=True)
    username = Varchar(length=64, unique=True)
    passphrase_hash = Text()
    recovery_hash = Text()
    created_at = Timestamptz()


class Device(Table, tablename="device"):
    # The client's own device id (any UUID); registered to one account for good.
    id = UUID(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    name = Varchar(length=100, default="")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class Session(Table, tablename="session"):
    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    device_id = ForeignKey(Device, on_delete=OnDelete.cascade, index=True, null=False)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class DeviceKey(Table, tablename="device_key"):
    # A device that signed in before: the hash of its `tend_device` cookie. While sign-in
    # limits lock the account's name (or the address), a right passphrase from this device
    # still gets in (backend/accounts/devicekeys.py). One per device, replaced at each sign-in.
    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    device_id = ForeignKey(Device, on_delete=OnDelete.cascade, index=True, null=False)
    created_at = Timestamptz()


class LoginFailure(Table, tablename="login_failure"):
    # Not tied to an account: unknown usernames are limited exactly like known ones.
    id = Serial(primary_key=True)
    username = Varchar(length=64, index=True)
    address = Varchar(length=64, index=True)
    at_us = BigInt(index=True)


class RateEvent(Table, tablename="rate_event"):
    # One counted event (a sign-up from an address, a test push by a person) for the limits
    # of backend/accounts/ratelimit.py; `bucket` names the limit, `subject` whom it counts.
    id = Serial(primary_key=True)
    bucket = Varchar(length=16)
    subject = Varchar(length=64)
    at_us = BigInt()
