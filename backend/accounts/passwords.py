"""Argon2id hashing off the event loop, with bounded concurrency."""

from __future__ import annotations

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """Hashes and verifies secrets (passphrases, recovery codes) in worker threads.

    Argon2 is deliberately slow and memory-hungry; running it on the event loop would
    stall every other request, and running unbounded copies at once could exhaust memory.

    Sign-ups hash with a capacity of their own (`signup_concurrency` threads): anyone can
    send sign-ups, and a flood of them must not make the people who already have an
    account wait behind it to sign in (`concurrency` threads serve everything else).
    """

    def __init__(
        self, *, time_cost: int, memory_kib: int, concurrency: int, signup_concurrency: int = 1
    ) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._signup_limiter = anyio.CapacityLimiter(signup_concurrency)
        # Verifying against this when a username is unknown makes both answers take as long.
        self._dummy_hash = self._hasher.hash("tend-dummy-passphrase-for-timing")

    async def hash(self, secret: str, *, signup: bool = False) -> str:
        limiter = self._signup_limiter if signup else self._limiter
        return await anyio.to_thread.run_sync(self._hash, secret, limiter=limiter)

    async def verify(self, hashed: str | None, secret: str) -> bool:
        target = hashed if hashed else self._dummy_hash
        ok = await anyio.to_thread.run_sync(self._check, target, secret, limiter=self._limiter)
        return ok and bool(hashed)

    def _hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def _check(self, hashed: str, secret: str) -> bool:
        try:
            return self._hasher.verify(hashed, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
