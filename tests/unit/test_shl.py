"""SMART Health Link pieces: the payload's encoding, the wrapped key, the JWE's header."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidTag
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from backend.sharing import shl


def decoded(link: str) -> dict[str, object]:
    body = link.removeprefix("shlink:/")
    result: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return result


def test_the_payload_is_base64url_json_with_flags_in_order() -> None:
    key = shl.new_key()
    link = shl.shlink(shl.Payload("https://t.example/shl/x", key, 1_800_000_000, True, "Ré"))
    assert link.startswith("shlink:/") and "=" not in link
    assert decoded(link) == {
        "url": "https://t.example/shl/x",
        "key": shl.b64url(key),
        "exp": 1_800_000_000,
        "flag": "LP",
        "label": "Ré",
        "v": 1,
    }
    assert len(shl.b64url(key)) == 43
    plain = shl.shlink(shl.Payload("https://t.example/shl/x", key, 1, False, ""))
    assert decoded(plain)["flag"] == "L" and "label" not in decoded(plain)


def test_a_manifest_id_has_256_random_bits() -> None:
    ids = {shl.new_manifest_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(shl.from_b64url(i)) == 32 for i in ids)


def test_the_stored_key_opens_only_with_its_manifest_id() -> None:
    key, manifest_id = shl.new_key(), shl.new_manifest_id()
    wrapped = shl.wrap_key(key, manifest_id)
    assert shl.b64url(key) not in wrapped and manifest_id not in wrapped
    assert shl.unwrap_key(wrapped, manifest_id) == key
    with pytest.raises(InvalidTag):
        shl.unwrap_key(wrapped, shl.new_manifest_id())
    assert shl.wrap_key(key, manifest_id) != wrapped, "a fresh nonce each time"


def test_the_file_is_a_compact_jwe_of_the_ig() -> None:
    key = shl.new_key()
    content = b'{"resourceType":"Bundle","type":"collection"}' * 50
    token = shl.encrypt_file(content, key)
    header = json.loads(shl.from_b64url(token.split(".")[0]))
    assert header == {"alg": "dir", "enc": "A256GCM", "cty": shl.CONTENT_TYPE, "zip": "DEF"}
    assert token.split(".")[1] == "", "dir: no encrypted key"
    assert len(token) < len(content), "compressed"
    assert jwe.decrypt_compact(token, OctKey.import_key(key)).plaintext == content
    with pytest.raises(JoseError):
        jwe.decrypt_compact(token, OctKey.import_key(shl.new_key()))
