"""The readable reference decoder of consensus messages (``consensus.codec`` layers a fast
path on top of it and must agree with it on every input).

Every accessor names what it reads and raises ``DecodeError`` on anything malformed;
digests are recomputed from content, never trusted from the wire.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgpack

from consensus.types import (
    DIGEST_SIZE,
    Batch,
    BatchMsg,
    BatchRequest,
    BatchResponse,
    Certificate,
    CertificateMsg,
    CertificateRequest,
    CertificateResponse,
    Digest,
    Header,
    HeaderMsg,
    Message,
    Vote,
    VoteMsg,
)


class DecodeError(ValueError):
    """Bytes from a peer that are not a well-formed message within the limits."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits applied while decoding peer messages."""

    max_message_bytes: int = 8 * 1024 * 1024
    max_id_len: int = 64
    max_signature_len: int = 128
    max_parents: int = 256
    max_payload: int = 256
    max_votes: int = 256
    max_txs: int = 100_000
    max_tx_bytes: int = 256 * 1024
    max_items: int = 1024


class Reader:
    """Typed accessors over decoded msgpack data that raise DecodeError."""

    def __init__(self, limits: Limits) -> None:
        self.lim = limits

    def lst(self, x: object, max_len: int, what: str) -> list[Any]:
        if not isinstance(x, list):
            raise DecodeError(f"{what}: expected array")
        if len(x) > max_len:
            raise DecodeError(f"{what}: {len(x)} items > limit {max_len}")
        return x

    def fields(self, x: object, n: int, what: str) -> list[Any]:
        items = self.lst(x, n, what)
        if len(items) != n:
            raise DecodeError(f"{what}: expected {n} fields, got {len(items)}")
        return items

    def uint(self, x: object, what: str) -> int:
        if not isinstance(x, int) or isinstance(x, bool) or x < 0 or x >= 2**63:
            raise DecodeError(f"{what}: expected unsigned integer")
        return x

    def ident(self, x: object, what: str) -> str:
        if not isinstance(x, str) or not 0 < len(x) <= self.lim.max_id_len:
            raise DecodeError(f"{what}: expected validator id")
        return x

    def digest(self, x: object, what: str) -> Digest:
        if not isinstance(x, bytes) or len(x) != DIGEST_SIZE:
            raise DecodeError(f"{what}: expected {DIGEST_SIZE}-byte digest")
        return x

    def sig(self, x: object, what: str) -> bytes:
        if not isinstance(x, bytes) or len(x) > self.lim.max_signature_len:
            raise DecodeError(f"{what}: expected signature bytes")
        return x

    def digests(self, x: object, max_len: int, what: str) -> tuple[Digest, ...]:
        return tuple(self.digest(d, what) for d in self.lst(x, max_len, what))

    def batch(self, x: object) -> Batch:
        author, partition, seq, txs = self.fields(x, 4, "batch")
        tx_list = self.lst(txs, self.lim.max_txs, "batch.txs")
        for t in tx_list:
            if not isinstance(t, bytes) or len(t) > self.lim.max_tx_bytes:
                raise DecodeError("batch.txs: expected transaction bytes within limit")
        return Batch.create(
            self.ident(author, "batch.author"),
            self.uint(partition, "batch.partition"),
            self.uint(seq, "batch.sequence"),
            tuple(tx_list),
        )

    def header(self, x: object) -> Header:
        author, rnd, epoch, parents, payload, sig = self.fields(x, 6, "header")
        a = self.ident(author, "header.author")
        r = self.uint(rnd, "header.round")
        e = self.uint(epoch, "header.epoch")
        ps = self.digests(parents, self.lim.max_parents, "header.parents")
        items = []
        for p in self.lst(payload, self.lim.max_payload, "header.payload"):
            part, d = self.fields(p, 2, "header.payload item")
            items.append((self.uint(part, "payload.partition"), self.digest(d, "payload.digest")))
        pl = tuple(items)
        digest = Header.body_digest(a, r, e, ps, pl)
        return Header(a, r, e, ps, pl, self.sig(sig, "header.signature"), digest)

    def cert(self, x: object) -> Certificate:
        h, votes = self.fields(x, 2, "certificate")
        vs = []
        for v in self.lst(votes, self.lim.max_votes, "certificate.votes"):
            voter, sig = self.fields(v, 2, "certificate.vote")
            vs.append((self.ident(voter, "vote.voter"), self.sig(sig, "vote.signature")))
        return Certificate(self.header(h), tuple(vs))


class _OverBudget(Exception):
    """Raised from the unpacker's hooks to stop decoding a hostile structure early."""


def max_arrays(lim: Limits) -> int:
    """The most msgpack arrays any message within ``lim`` can hold (top level included).

    Counted per message kind from the shapes ``message_from_wire`` accepts: a batch is 2
    arrays (itself, its txs), a header 3 plus one per payload item, a certificate 2 plus
    its header plus one per vote; the largest is a ``CertificateResponse`` of
    ``max_items`` certificates, each with ``max_payload`` items and ``max_votes`` votes
    (529,410 with the default limits)."""
    header = 3 + lim.max_payload
    cert = 2 + header + lim.max_votes
    return 1 + max(
        2,  # BatchMsg
        header,  # HeaderMsg
        1,  # VoteMsg; CertificateRequest and BatchRequest hold 1 list of digests
        cert,  # CertificateMsg
        1 + lim.max_items * cert,  # CertificateResponse
        1 + lim.max_items * 2,  # BatchResponse
    )


@functools.lru_cache(maxsize=16)
def _unpack_options(lim: Limits) -> dict[str, Any]:
    return {
        "raw": False,
        "strict_map_key": True,
        "max_array_len": max(
            6, lim.max_txs, lim.max_parents, lim.max_payload, lim.max_votes, lim.max_items
        ),
        "max_map_len": 0,
        "max_ext_len": 0,
        "max_str_len": 4 * lim.max_id_len,
        "max_bin_len": max(lim.max_tx_bytes, lim.max_signature_len, DIGEST_SIZE),
        "object_hook": _no_map,
    }


def _no_map(_x: object) -> object:
    raise _OverBudget("a map (no message contains one)")


def unpack_message(data: object, lim: Limits) -> object:
    """The msgpack structure of a peer message within the size limits.

    msgpack's own limits refuse a container or string longer than any message can hold
    before it is allocated (its defaults allow up to the input's length, so a 5-byte array
    header could ask for millions of slots), and on messages longer than ``max_arrays``
    bytes a hook counts arrays, so nested arrays cannot expand into millions of objects
    either (an empty array is 1 byte on the wire and about 64 in memory). Derivation, from the shapes ``message_from_wire`` accepts:

    - arrays: at most max(max_txs, max_parents, max_payload, max_votes, max_items)
      items (a message and its records have at most 6 fields); in all, ``max_arrays``;
    - maps and extension types: none;
    - strings: only validator ids, at most ``max_id_len`` characters of 4 UTF-8 bytes;
    - binary: transactions, signatures and digests.

    Every message that decoded before still decodes the same; only inputs that the
    structural checks would refuse anyway are now refused earlier (``DecodeError``)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError("message is not bytes")
    if len(data) > lim.max_message_bytes:
        raise DecodeError(f"message of {len(data)} bytes > limit {lim.max_message_bytes}")
    opts = _unpack_options(lim)
    budget = max_arrays(lim)
    if len(data) > budget:
        # Each array takes at least one byte, so only a message this long can hold more
        # arrays than any message may; shorter ones skip the per-array hook (it costs).
        count = 0

        def count_array(x: list[Any]) -> list[Any]:
            nonlocal count
            count += 1
            if count > budget:
                raise _OverBudget(f"more than {budget} arrays")
            return x

        opts = {**opts, "list_hook": count_array}
    try:
        return msgpack.unpackb(bytes(data), **opts)
    except _OverBudget as exc:
        raise DecodeError(f"message over limit: {exc}") from None
    except ValueError as exc:
        if "exceeds max_" in str(exc):  # msgpack's length limits
            raise DecodeError(f"message over limit: {exc}") from None
        raise DecodeError(f"not msgpack: {type(exc).__name__}") from None
    except Exception as exc:  # msgpack raises several unrelated types on garbage
        raise DecodeError(f"not msgpack: {type(exc).__name__}") from None


def message_from_wire(obj: object, lim: Limits) -> Message:
    """Validate a decoded msgpack structure as a message (signatures are not checked)."""
    r = Reader(lim)
    top = r.lst(obj, 4, "message")
    if not top or not isinstance(top[0], int) or isinstance(top[0], bool):
        raise DecodeError("message: missing tag")
    tag = top[0]
    body = top[1:]
    if tag == 1:
        (b,) = r.fields(body, 1, "BatchMsg")
        return BatchMsg(r.batch(b))
    if tag == 3:
        (h,) = r.fields(body, 1, "HeaderMsg")
        return HeaderMsg(r.header(h))
    if tag == 4:
        (v,) = r.fields(body, 1, "VoteMsg")
        hd, rnd, origin, voter, sig = r.fields(v, 5, "vote")
        return VoteMsg(
            Vote(
                r.digest(hd, "vote.header_digest"),
                r.uint(rnd, "vote.round"),
                r.ident(origin, "vote.origin"),
                r.ident(voter, "vote.voter"),
                r.sig(sig, "vote.signature"),
            )
        )
    if tag == 5:
        (c,) = r.fields(body, 1, "CertificateMsg")
        return CertificateMsg(r.cert(c))
    if tag == 6:
        ds, floor = r.fields(body, 2, "CertificateRequest")
        return CertificateRequest(
            r.digests(ds, lim.max_items, "CertificateRequest.digests"), r.uint(floor, "floor")
        )
    if tag == 7:
        (cs,) = r.fields(body, 1, "CertificateResponse")
        return CertificateResponse(tuple(r.cert(c) for c in r.lst(cs, lim.max_items, "certs")))
    if tag == 8:
        (ds,) = r.fields(body, 1, "BatchRequest")
        return BatchRequest(r.digests(ds, lim.max_items, "BatchRequest.digests"))
    if tag == 9:
        (bs,) = r.fields(body, 1, "BatchResponse")
        return BatchResponse(tuple(r.batch(b) for b in r.lst(bs, lim.max_items, "batches")))
    raise DecodeError(f"unknown message tag {tag!r}")


def decode_reference(data: bytes, limits: Limits | None = None) -> Message:
    """Decode and structurally validate a peer message, the readable way."""
    lim = limits or Limits()
    return message_from_wire(unpack_message(data, lim), lim)
