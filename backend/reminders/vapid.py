"""VAPID key pair: created once on first start, then only ever loaded."""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


class VapidKeyFileError(Exception):
    """The VAPID key file exists but cannot be used; it is never replaced automatically."""


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """The server's VAPID identity: the py_vapid signer and its public key for browsers."""

    vapid: Vapid02
    public_key_b64url: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _keys_from_private(private_key: ec.EllipticCurvePrivateKey) -> VapidKeys:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(vapid=Vapid02(private_key=private_key), public_key_b64url=_b64url(point))


def _load(path: Path) -> VapidKeys:
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise VapidKeyFileError(
            f"VAPID key file {path} is not a readable PEM private key ({exc}). It was left "
            "untouched: restore it from a backup, or delete it deliberately to generate a new "
            "key (every existing push subscription then stops working)."
        ) from exc
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise VapidKeyFileError(f"VAPID key file {path} does not hold a P-256 (prime256v1) key")
    return _keys_from_private(private_key)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(path: Path) -> VapidKeys:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file 0600, so the key is never readable by others, not even briefly.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(pem)
            tmp.flush()
            os.fsync(tmp.fileno())
        # A hard link publishes the complete file atomically and, unlike os.replace, fails
        # when another process created the key first: both then use that one key.
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return _load(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    _fsync_dir(path.parent)
    return _keys_from_private(private_key)


def load_or_create_vapid(path: Path) -> VapidKeys:
    """Load the VAPID key from `path`, generating and storing it only if the file is absent."""
    if path.exists():
        return _load(path)
    return _create(path)


def show_public_key(path: Path) -> str:
    """The base64url public key browsers pass as `applicationServerKey` (created if absent)."""
    return load_or_create_vapid(path).public_key_b64url
