"""Request and response Structs of the push and reminder routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from backend.http import NO_NUL

Endpoint = Annotated[str, msgspec.Meta(min_length=8, max_length=2048, pattern=NO_NUL)]


class PushKey(msgspec.Struct):
    public_key: str


class SubscriptionKeys(msgspec.Struct):
    p256dh: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
    auth: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_NUL)]


class SubscribeRequest(msgspec.Struct):
    endpoint: Endpoint
    keys: SubscriptionKeys
    device_id: UUID
    # Browsers send this in PushSubscription.toJSON(); accepted and ignored.
    expirationTime: int | None = None


class Subscribed(msgspec.Struct):
    endpoint: str
    device_id: UUID


class UnsubscribeRequest(msgspec.Struct):
    endpoint: Endpoint


class SnoozeRequest(msgspec.Struct):
    occurrence: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=NO_NUL)]
    minutes: Annotated[int, msgspec.Meta(ge=1, le=720)] = 15


class Accepted(msgspec.Struct):
    status: str
    detail: str
