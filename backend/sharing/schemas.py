"""Share API bodies (api.md: Insights and sharing; outside clients rely on these names)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.http import NO_NUL
from backend.sharing.scope import CATEGORIES

Category = Annotated[
    str,
    Meta(pattern=f"^({'|'.join(CATEGORIES)})$", description="a record kind of data.md, or notes"),
]
# sharing.md: a link lives 1 to 90 days, two weeks unless the person chooses.
ExpiryDays = Annotated[int, Meta(ge=1, le=90)]
Passcode = Annotated[str, Meta(min_length=4, max_length=32, pattern=NO_NUL)]
ShareLabel = Annotated[str, Meta(max_length=80, pattern=NO_NUL)]
Status = Literal["active", "expired", "revoked", "locked"]
# What an access opened; `health-link` is a manifest fetched by a clinic's software, and
# `wrong-code` a passcode that was not right.
AccessKind = Literal["summary", "fhir", "csv", "health-link", "wrong-code"]


class ShareRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Inclusive local dates in the person's zone; either alone means 90 days from or up to
    # it, neither the last 90 days (as GET /insights).
    from_: date | None = msgspec.field(default=None, name="from")
    to: date | None = None
    # Default: everything but notes (sharing.md).
    categories: Annotated[list[Category], Meta(max_length=len(CATEGORIES))] | None = None
    expires_in_days: ExpiryDays = 14
    passcode: Passcode | None = None
    label: ShareLabel | None = None


class CreatedShare(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    # The only time the link is ever given out: the server keeps just a hash of its token.
    url: str
    expires_at: datetime
    # The link as a QR code (an SVG document), for a clinician to scan from the screen.
    qr_svg: str
    # The same share as a SMART Health Link, for a clinic's software; given out only here.
    shlink: str
    shlink_qr_svg: str


class Access(msgspec.Struct, kw_only=True):
    at: datetime
    # Coarse, e.g. "Safari on iPhone": never the full user-agent or an address.
    agent: str
    what: AccessKind
    # The name a clinic's software gave when it fetched the health link; null otherwise.
    recipient: str | None = None


class ShareInfo(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    label: str
    from_: date = msgspec.field(name="from")
    to: date
    categories: list[str]
    created_at: datetime
    expires_at: datetime
    status: Status
    has_passcode: bool
    # Newest first.
    accesses: list[Access]
