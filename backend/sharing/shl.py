"""SMART Health Links (HL7 SMART Health Cards and Links IG v1.0.0): the pure parts.

Every share is also a health link: `shlink:/` + base64url of `{url, key, exp, flag, label,
v}`. The clinic's software POSTs to `url` (the manifest) and gets the share's FHIR Bundle as
a compact JWE (`dir`, `A256GCM`) made with `key`, which only the link carries.

How the server encrypts live data without keeping the key (SECURITY.md, "Health links"):
the key is stored wrapped (AES-256-GCM) under a key derived from the manifest id, and the
manifest id is stored only as its sha256. A copy of the database therefore opens neither
the manifest nor the files; a manifest request brings the id, which unwraps the key for that
request only.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.jwk import OctKey

# The file type of the IG for a FHIR resource; the JWE's `cty` says the same.
CONTENT_TYPE = "application/fhir+json;fhirVersion=4.0.1"
# A `location` URL serves its file once, and only for this long (the IG: short-lived, single
# use; a client that needs it again fetches the manifest again).
LOCATION_SECONDS = 3600
# The IG: the manifest URL "SHALL NOT exceed 128 characters".
MAX_URL_LENGTH = 128
LABEL_MAX = 80
_WRAP_INFO = b"tend shl key wrap v1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_manifest_id() -> str:
    """256 random bits, base64url (43 characters)."""
    return secrets.token_urlsafe(32)


def new_key() -> bytes:
    return os.urandom(32)


@dataclass(frozen=True)
class Payload:
    url: str
    key: bytes
    exp: int
    passcode: bool
    label: str

    def as_json(self) -> dict[str, object]:
        # Flags in alphabetical order: L (the data is live), P (a passcode is needed).
        body: dict[str, object] = {
            "url": self.url,
            "key": b64url(self.key),
            "exp": self.exp,
            "flag": "LP" if self.passcode else "L",
        }
        if self.label:
            body["label"] = self.label[:LABEL_MAX]
        body["v"] = 1
        return body


def shlink(payload: Payload) -> str:
    text = json.dumps(payload.as_json(), separators=(",", ":"), ensure_ascii=False)
    return "shlink:/" + b64url(text.encode("utf-8"))


def _wrapping_key(manifest_id: str) -> bytes:
    # The id is 256 random bits, so a single HKDF step (no salt) gives an equally strong key.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_INFO)
    return hkdf.derive(manifest_id.encode("ascii"))


def wrap_key(key: bytes, manifest_id: str) -> str:
    """The link's key, encrypted under a key only its manifest id gives (stored form)."""
    nonce = os.urandom(12)
    return b64url(nonce + AESGCM(_wrapping_key(manifest_id)).encrypt(nonce, key, None))


def unwrap_key(wrapped: str, manifest_id: str) -> bytes:
    raw = from_b64url(wrapped)
    return AESGCM(_wrapping_key(manifest_id)).decrypt(raw[:12], raw[12:], None)


def encrypt_file(content: bytes, key: bytes) -> str:
    """Compact JWE of the IG: direct AES-256-GCM with the link's key, DEFLATE-compressed."""
    header = {"alg": "dir", "enc": "A256GCM", "cty": CONTENT_TYPE, "zip": "DEF"}
    return jwe.encrypt_compact(header, content, OctKey.import_key(key))
