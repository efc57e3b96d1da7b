"""One error tree for the confidential-transfer package.

Bad input from outside (proof bytes, statements, vector files) is reported with a
subclass of :class:`ZkpError`; verification itself never raises for bad input — it
returns a :class:`zkp.verdict.Verdict`.
"""

from __future__ import annotations


class ZkpError(Exception):
    """Root of every error raised by :mod:`zkp`."""


class ProofFormatError(ZkpError):
    """Proof bytes do not decode: wrong length, off-curve point, non-canonical field."""


class StatementError(ZkpError):
    """A statement (ring, ciphertexts, epoch, nonce...) is malformed or inconsistent."""


class ProverError(ZkpError):
    """The witness does not satisfy the statement (e.g. insufficient balance)."""


class AuditError(ZkpError):
    """An auditor ciphertext could not be decrypted (value outside the search range)."""
