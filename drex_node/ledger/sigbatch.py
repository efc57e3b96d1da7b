"""Signature jobs as one flat byte string, for verifier processes.

A verifier process needs, per transaction, its hash and its (public key, signature)
pairs. Pickling a list of nested tuples per job cost the sending process and the
verifier about a microsecond per transaction each; a flat byte string travels through
a pipe as it is. Layout, one record per transaction, in order::

    count (1 byte, 1..255) || tx hash (32) || count x (public key (32) || signature (64))

:func:`verify_packed` returns one byte per record: 1 when every signature verifies,
0 otherwise. It verifies exactly what :func:`drex_node.ledger.tx.verify_signatures`
does (the same libsodium call on the same message), so a verdict never depends on
which path computed it (tests compare the two).
"""

from __future__ import annotations

from collections.abc import Iterable

import nacl.bindings
import nacl.exceptions

from drex_node.ledger.tx import SIG_DOMAIN, Tx

_COUNT = [bytes([n]) for n in range(256)]
_open = nacl.bindings.crypto_sign_open
_REFUSED = (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError)


def pack_jobs(txs: Iterable[Tx]) -> bytes:
    """The signature jobs of ``txs`` (decoded transactions: 1..255 signers each)."""
    parts: list[bytes] = []
    extend = parts.extend
    one = _COUNT[1]
    for tx in txs:
        sigs = tx.signatures
        if len(sigs) == 1:
            ((pk, sig),) = sigs
            extend((one, tx.hash, pk, sig))
        else:
            extend((_COUNT[len(sigs)], tx.hash))
            for pk, sig in sigs:
                extend((pk, sig))
    return b"".join(parts)


def verify_packed(blob: bytes) -> bytes:
    """One verdict byte per record of ``blob`` (1: every signature verifies).

    Raises ValueError for a blob that is not a whole number of well-formed records
    (a caller bug: the blob is built by :func:`pack_jobs`)."""
    out = bytearray()
    i, end = 0, len(blob)
    while i < end:
        count = blob[i]
        j = i + 33 + 96 * count
        if count == 0 or j > end:
            raise ValueError(f"truncated signature job at byte {i}")
        msg = SIG_DOMAIN + blob[i + 1 : i + 33]
        ok = 1
        for at in range(i + 33, j, 96):
            try:
                _open(blob[at + 32 : at + 96] + msg, blob[at : at + 32])
            except _REFUSED:  # what verify_signatures treats as a bad signature
                ok = 0
                break
        out.append(ok)
        i = j
    return bytes(out)
