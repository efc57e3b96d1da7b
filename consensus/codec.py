"""Canonical msgpack wire encoding of consensus messages, with strict size and type checks.

A message is a msgpack array ``[tag, field, ...]``. Decoding recomputes every digest from the
content (digests are never trusted from the wire) and raises ``DecodeError`` on anything
malformed; the engine turns that into a recorded fault.

``decode`` is a fast path over ``consensus.codec_reference`` (ADR 0069): it checks the
common, well-formed shapes inline (exact ``type(x) is ...`` tests, which is what msgpack
produces) and hands anything it does not accept to the reference, which then either
raises the precise ``DecodeError`` or returns the message. So a verdict never differs
from the reference's; differential tests check that on valid and mutated inputs.
"""

from __future__ import annotations

from typing import Any

import msgpack

from consensus.codec_reference import (
    DecodeError,
    Limits,
    Reader,
    decode_reference,
    message_from_wire,
    unpack_message,
)
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
    Header,
    HeaderMsg,
    Message,
    Vote,
    VoteMsg,
    blake,
)

__all__ = [
    "TAGS",
    "DecodeError",
    "Limits",
    "batch_from_wire",
    "cert_from_wire",
    "decode",
    "decode_reference",
    "encode",
    "header_from_wire",
    "to_wire",
]


TAGS = {
    BatchMsg: 1,
    # 2 was BatchAck, retired by ADR 0079 (a vote acknowledges the header's batches); the
    # tag stays unused so an old peer's acknowledgement is refused, never misread.
    HeaderMsg: 3,
    VoteMsg: 4,
    CertificateMsg: 5,
    CertificateRequest: 6,
    CertificateResponse: 7,
    BatchRequest: 8,
    BatchResponse: 9,
}


def _batch(b: Batch) -> list[Any]:
    return [b.author, b.partition, b.sequence, list(b.txs)]


def _header(h: Header) -> list[Any]:
    return [h.author, h.round, h.epoch, list(h.parents), [list(p) for p in h.payload], h.signature]


def _cert(c: Certificate) -> list[Any]:
    return [_header(c.header), [list(v) for v in c.votes]]


def to_wire(msg: Message) -> list[Any]:
    """The msgpack-ready structure of a message."""
    tag = TAGS[type(msg)]
    match msg:
        case BatchMsg(batch):
            return [tag, _batch(batch)]
        case HeaderMsg(header):
            return [tag, _header(header)]
        case VoteMsg(v):
            return [tag, [v.header_digest, v.round, v.origin, v.voter, v.signature]]
        case CertificateMsg(cert):
            return [tag, _cert(cert)]
        case CertificateRequest(digests, floor_round):
            return [tag, list(digests), floor_round]
        case CertificateResponse(certs):
            return [tag, [_cert(c) for c in certs]]
        case BatchRequest(digests):
            return [tag, list(digests)]
        case BatchResponse(batches):
            return [tag, [_batch(b) for b in batches]]
    raise TypeError(f"not a message: {type(msg).__name__}")


def encode(msg: Message) -> bytes:
    """Canonical bytes of a message."""
    out: bytes = msgpack.packb(to_wire(msg), use_bin_type=True)
    return out


# ---- fast path ---------------------------------------------------------------------------
# Each helper returns None for anything it does not accept; ``decode`` then asks the
# reference, so being conservative here is always safe.

_U63 = 2**63
_DEFAULT = Limits()
_BATCH = b"drex/batch/v1"
_HEADER = b"drex/header/v1"


def _fast_batch(x: Any, lim: Limits) -> Batch | None:
    if type(x) is not list or len(x) != 4:
        return None
    author, partition, seq, txs = x
    if (
        type(author) is not str
        or not 0 < len(author) <= lim.max_id_len
        or type(partition) is not int
        or not 0 <= partition < _U63
        or type(seq) is not int
        or not 0 <= seq < _U63
        or type(txs) is not list
        or len(txs) > lim.max_txs
    ):
        return None
    cap = lim.max_tx_bytes
    for t in txs:
        if type(t) is not bytes or len(t) > cap:
            return None
    # ``x`` is exactly the list ``batch_digest`` packs: [author, partition, sequence, txs]
    return Batch(author, partition, seq, tuple(txs), blake(_BATCH, x))


def _fast_header(x: Any, lim: Limits) -> Header | None:
    if type(x) is not list or len(x) != 6:
        return None
    author, rnd, epoch, parents, payload, sig = x
    if (
        type(author) is not str
        or not 0 < len(author) <= lim.max_id_len
        or type(rnd) is not int
        or not 0 <= rnd < _U63
        or type(epoch) is not int
        or not 0 <= epoch < _U63
        or type(parents) is not list
        or len(parents) > lim.max_parents
        or type(payload) is not list
        or len(payload) > lim.max_payload
        or type(sig) is not bytes
        or len(sig) > lim.max_signature_len
    ):
        return None
    for d in parents:
        if type(d) is not bytes or len(d) != DIGEST_SIZE:
            return None
    items = []
    for p in payload:
        if type(p) is not list or len(p) != 2:
            return None
        part, d = p
        if type(part) is not int or not 0 <= part < _U63:
            return None
        if type(d) is not bytes or len(d) != DIGEST_SIZE:
            return None
        items.append((part, d))
    # x[:5] is exactly the body ``Header.body_digest`` packs (lists of bytes and [int, bytes])
    digest = blake(_HEADER, x[:5])
    return Header(author, rnd, epoch, tuple(parents), tuple(items), sig, digest)


def _fast_cert(x: Any, lim: Limits) -> Certificate | None:
    if type(x) is not list or len(x) != 2:
        return None
    h, votes = x
    if type(votes) is not list or len(votes) > lim.max_votes:
        return None
    vs = []
    id_cap, sig_cap = lim.max_id_len, lim.max_signature_len
    for v in votes:
        if type(v) is not list or len(v) != 2:
            return None
        voter, sig = v
        if type(voter) is not str or not 0 < len(voter) <= id_cap:
            return None
        if type(sig) is not bytes or len(sig) > sig_cap:
            return None
        vs.append((voter, sig))
    header = _fast_header(h, lim)
    return None if header is None else Certificate(header, tuple(vs))


def _fast_vote(x: Any, lim: Limits) -> Vote | None:
    if type(x) is not list or len(x) != 5:
        return None
    hd, rnd, origin, voter, sig = x
    if (
        type(hd) is not bytes
        or len(hd) != DIGEST_SIZE
        or type(rnd) is not int
        or not 0 <= rnd < _U63
        or type(origin) is not str
        or not 0 < len(origin) <= lim.max_id_len
        or type(voter) is not str
        or not 0 < len(voter) <= lim.max_id_len
        or type(sig) is not bytes
        or len(sig) > lim.max_signature_len
    ):
        return None
    return Vote(hd, rnd, origin, voter, sig)


def _fast_many(items: Any, lim: Limits, one: Any) -> tuple[Any, ...] | None:
    if type(items) is not list or len(items) > lim.max_items:
        return None
    out = []
    for x in items:
        item = one(x, lim)
        if item is None:
            return None
        out.append(item)
    return tuple(out)


def batch_from_wire(x: object, lim: Limits) -> Batch:
    """A batch from its wire structure (``Reader.batch``, fast on well-formed input)."""
    return _fast_batch(x, lim) or Reader(lim).batch(x)


def header_from_wire(x: object, lim: Limits) -> Header:
    """A header from its wire structure (``Reader.header``, fast on well-formed input)."""
    return _fast_header(x, lim) or Reader(lim).header(x)


def cert_from_wire(x: object, lim: Limits) -> Certificate:
    """A certificate from its wire structure (``Reader.cert``, fast on well-formed input)."""
    return _fast_cert(x, lim) or Reader(lim).cert(x)


def _fast(obj: Any, lim: Limits) -> Message | None:
    if type(obj) is not list or len(obj) != 2:
        return None  # every fast-path message is [tag, body]; CertificateRequest has 3
    tag, body = obj
    if type(tag) is not int:
        return None
    if tag == 1:
        batch = _fast_batch(body, lim)
        return None if batch is None else BatchMsg(batch)
    if tag == 3:
        header = _fast_header(body, lim)
        return None if header is None else HeaderMsg(header)
    if tag == 4:
        vote = _fast_vote(body, lim)
        return None if vote is None else VoteMsg(vote)
    if tag == 5:
        cert = _fast_cert(body, lim)
        return None if cert is None else CertificateMsg(cert)
    if tag == 7:
        certs = _fast_many(body, lim, _fast_cert)
        return None if certs is None else CertificateResponse(certs)
    if tag == 9:
        batches = _fast_many(body, lim, _fast_batch)
        return None if batches is None else BatchResponse(batches)
    return None


def decode(data: bytes, limits: Limits | None = None) -> Message:
    """Decode and structurally validate a peer message (signatures are not checked here).

    Same verdict and result as ``decode_reference`` on every input, faster on the common
    shapes."""
    lim = limits or _DEFAULT
    obj = unpack_message(data, lim)
    msg = _fast(obj, lim)
    return msg if msg is not None else message_from_wire(obj, lim)
