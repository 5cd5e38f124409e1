"""Clinician shares, the passcode grants of the browsers that typed the code, and accesses."""

from __future__ import annotations

from piccolo.columns import UUID, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import Account


class Share(Table, tablename="share"):
    id = UUID(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, index=True, null=False)
    # sha256 of the link's token: the token itself is only ever in the link.
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=80, default="")
    start_on = Date()
    end_on = Date()
    # Comma-separated categories of backend/sharing/scope.py.
    categories = Text()
    # Argon2 hash of the optional passcode; empty when there is none.
    passcode_hash = Text(default="")
    failed_codes = Integer(default=0)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    # The SMART Health Link: sha256 of its manifest id, and its file key wrapped under a key
    # derived from that id (backend/sharing/shl.py), so neither is readable from the database.
    # Unique through an index the migration makes (SQLite cannot add a UNIQUE column).
    shl_id_hash = Varchar(length=64, null=True, default=None)
    shl_key = Text(default="")


class ShareGrant(Table, tablename="share_grant"):
    # A browser that typed the right passcode: the hash of its cookie, for this share only.
    id = Serial(primary_key=True)
    share_id = ForeignKey(Share, on_delete=OnDelete.cascade, index=True, null=False)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()


class ShareAccess(Table, tablename="share_access"):
    # What the person sees in their list: when, on what kind of device, and what was opened.
    id = Serial(primary_key=True)
    share_id = ForeignKey(Share, on_delete=OnDelete.cascade, index=True, null=False)
    at = Timestamptz()
    agent = Varchar(length=64)
    # summary | fhir | csv | health-link | wrong-code
    what = Varchar(length=16)
    # Who a health link's manifest was fetched for, as the clinic's software named them.
    recipient = Varchar(length=80, null=True, default=None)


class ShlFile(Table, tablename="shl_file"):
    # A health link's encrypted file behind a short-lived, single-use `location` URL.
    id = Serial(primary_key=True)
    share_id = ForeignKey(Share, on_delete=OnDelete.cascade, index=True, null=False)
    token_hash = Varchar(length=64, unique=True)
    jwe = Text()
    expires_at = Timestamptz()
