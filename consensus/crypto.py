"""Signer/Verifier protocols: Ed25519 (PyNaCl, the default) and an insecure test scheme.

Signature verification is the engine's main CPU cost, so ``CachingVerifier`` remembers
(public key, message, signature) triples that verified, bounded in size, and nothing is
verified twice.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey


class Signer(Protocol):
    """Holds one private key."""

    @property
    def public_key(self) -> bytes:
        """The public key that verifies this signer's signatures."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Signature over ``message``."""
        ...


class Verifier(Protocol):
    """Checks signatures of one scheme."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is valid for ``message`` under ``public_key``; never raises."""
        ...


class Ed25519Signer:
    """Ed25519 signer over a 32-byte seed."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("Ed25519 seed must be 32 bytes")
        self._key = SigningKey(seed)
        self._pub = bytes(self._key.verify_key)

    @property
    def public_key(self) -> bytes:
        """32-byte Ed25519 public key."""
        return self._pub

    def sign(self, message: bytes) -> bytes:
        """64-byte detached signature."""
        return bytes(self._key.sign(message).signature)


class Ed25519Verifier:
    """Ed25519 verification (PyNaCl/libsodium: rejects small-order and non-canonical keys)."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True iff valid; malformed keys or signatures are simply invalid."""
        if len(public_key) != 32 or len(signature) != 64:
            return False
        try:
            VerifyKey(public_key).verify(message, signature)
        except (BadSignatureError, ValueError, TypeError):
            return False
        except Exception:  # libsodium wrappers raise their own error types on bad points
            return False
        return True


class InsecureTestSigner:
    """A cheap deterministic *test-only* scheme: signature = BLAKE2b(public key, message).

    Anyone who knows the public key can forge; it exists so the simulator can run hundreds
    of networks fast. Never configure it on a real node.
    """

    def __init__(self, seed: bytes) -> None:
        self._pub = hashlib.blake2b(seed, digest_size=32, person=b"drex-test-pk").digest()

    @property
    def public_key(self) -> bytes:
        """32 bytes derived from the seed."""
        return self._pub

    def sign(self, message: bytes) -> bytes:
        """32-byte keyed hash."""
        return hashlib.blake2b(message, key=self._pub, digest_size=32).digest()


class InsecureTestVerifier:
    """Verifier of ``InsecureTestSigner`` signatures."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True iff the keyed hash matches."""
        if len(public_key) != 32:
            return False
        expected = hashlib.blake2b(message, key=public_key, digest_size=32).digest()
        return expected == signature


class CachingVerifier:
    """Wraps a verifier and remembers successful verifications (bounded FIFO)."""

    def __init__(self, inner: Verifier, capacity: int = 65536) -> None:
        self._inner = inner
        self._capacity = capacity
        self._ok: dict[bytes, None] = {}
        self.verified = 0
        self.cache_hits = 0

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Cached verification; only successes are cached."""
        key = hashlib.blake2b(
            public_key + len(message).to_bytes(4, "big") + message + signature, digest_size=16
        ).digest()
        if key in self._ok:
            self.cache_hits += 1
            return True
        self.verified += 1
        if not self._inner.verify(public_key, message, signature):
            return False
        if len(self._ok) >= self._capacity:
            del self._ok[next(iter(self._ok))]
        self._ok[key] = None
        return True
