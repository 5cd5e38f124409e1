"""Request and response Structs of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from backend.http import NO_NUL

# Passphrases are only ever hashed, so any text will do; names are stored or looked up.
Passphrase = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
# A passphrase being chosen: the service refuses one under 10 characters with its own code
# (weak-passphrase), so only the OpenAPI document says so here.
NewPassphrase = Annotated[str, msgspec.Meta(max_length=1024, extra_json_schema={"minLength": 10})]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=256, pattern=NO_NUL)]
# A username being chosen, in the form the service stores (it also takes other case and
# surrounding spaces, and folds them away; clients send this form).
NewUsername = Annotated[
    str, msgspec.Meta(max_length=256, extra_json_schema={"pattern": r"^[A-Za-z0-9_.-]{3,64}$"})
]
DeviceName = Annotated[str, msgspec.Meta(max_length=100, pattern=NO_NUL)]


class SignupRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: NewUsername
    passphrase: NewPassphrase
    device_id: UUID | None = None
    device_name: DeviceName | None = None


class SignupResponse(msgspec.Struct):
    user_id: UUID
    username: str
    recovery_code: str
    device_id: UUID


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    passphrase: Passphrase
    device_id: UUID | None = None
    device_name: DeviceName | None = None


class LoginResponse(msgspec.Struct):
    user_id: UUID
    username: str
    device_id: UUID


class RecoverRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    recovery_code: Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=NO_NUL)]
    new_passphrase: NewPassphrase
    device_id: UUID | None = None
    device_name: DeviceName | None = None


class RecoverResponse(msgspec.Struct):
    user_id: UUID
    username: str
    recovery_code: str
    device_id: UUID


class AccountInfo(msgspec.Struct):
    user_id: UUID
    username: str
    created_at: datetime


class DeviceInfo(msgspec.Struct):
    device_id: UUID
    name: str
    created_at: datetime
    last_seen_at: datetime
    current: bool
    signed_in: bool


class ChangePassphraseRequest(msgspec.Struct, forbid_unknown_fields=True):
    current: Passphrase
    new: NewPassphrase


class DeleteAccountRequest(msgspec.Struct, forbid_unknown_fields=True):
    passphrase: Passphrase


class Export(msgspec.Struct):
    exported_at: datetime
    account: AccountInfo
    devices: list[DeviceInfo]
    # Each record as sync pulls it: {id, kind, schema_version, server_seq, deleted, fields}.
    records: list[dict[str, Any]]
