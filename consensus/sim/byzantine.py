"""Byzantine behaviours: an honest engine whose outgoing messages are rewritten.

Each behaviour maps one outbound message to the (recipient, bytes) pairs actually sent.
"""

from __future__ import annotations

import msgpack

from consensus.codec import encode
from consensus.crypto import Signer
from consensus.sim.rng import Rng
from consensus.step import Outbound
from consensus.types import (
    Certificate,
    CertificateMsg,
    Header,
    HeaderMsg,
    VoteMsg,
    header_signing_bytes,
)

Send = tuple[str | None, bytes]


def _resign(
    h: Header,
    signer: Signer,
    parents: tuple[bytes, ...],
    payload: tuple[tuple[int, bytes], ...],
    round_: int | None = None,
) -> Header:
    r = h.round if round_ is None else round_
    digest = Header.body_digest(h.author, r, h.epoch, parents, payload)
    return Header(
        h.author, r, h.epoch, parents, payload, signer.sign(header_signing_bytes(digest)), digest
    )


def equivocate(out: Outbound, signer: Signer, peers: list[str], rng: Rng) -> list[Send]:
    """Send one header to half the committee and a conflicting one to the rest (and both to
    one peer, so that the equivocation is detectable)."""
    msg = out.message
    if not isinstance(msg, HeaderMsg) or out.to is not None or len(peers) < 2:
        return [(out.to, encode(msg))]
    h = msg.header
    if h.payload:
        alt = _resign(h, signer, h.parents, h.payload[:-1])
    elif len(h.parents) > 1:
        alt = _resign(h, signer, h.parents[:-1], h.payload)
    else:
        alt = _resign(h, signer, h.parents, ((0, rng.bytes(32)),))
    order = rng.shuffled(peers)
    half = len(order) // 2
    sends: list[Send] = [(p, encode(HeaderMsg(h))) for p in order[:half]]
    sends += [(p, encode(HeaderMsg(alt))) for p in order[half:]]
    sends.append((order[0], encode(HeaderMsg(alt))))
    return sends


def bad_signatures(out: Outbound, rng: Rng) -> list[Send]:
    """Corrupt the signature of half of the headers, votes and certificates."""
    msg = out.message
    if not rng.chance(0.5):
        return [(out.to, encode(msg))]
    if isinstance(msg, HeaderMsg):
        msg = HeaderMsg(msg.header.with_signature(rng.bytes(len(msg.header.signature))))
    elif isinstance(msg, VoteMsg):
        v = msg.vote
        msg = VoteMsg(
            type(v)(v.header_digest, v.round, v.origin, v.voter, rng.bytes(len(v.signature)))
        )
    elif isinstance(msg, CertificateMsg) and msg.certificate.votes:
        c = msg.certificate
        votes = list(c.votes)
        voter, sig = votes[0]
        votes[0] = (voter, rng.bytes(len(sig)))
        msg = CertificateMsg(Certificate(c.header, tuple(votes)))
    return [(out.to, encode(msg))]


def withhold_votes(out: Outbound) -> list[Send]:
    """Never send a vote."""
    if isinstance(out.message, VoteMsg):
        return []
    return [(out.to, encode(out.message))]


def garbage(out: Outbound, signer: Signer, rng: Rng) -> list[Send]:
    """Send the message, plus noise: random bytes, wrong structures, far-future headers."""
    sends: list[Send] = [(out.to, encode(out.message))]
    kind = rng.randint(0, 3)
    if kind == 0:
        sends.append((None, rng.bytes(rng.randint(0, 200))))
    elif kind == 1:
        sends.append((None, msgpack.packb([rng.randint(0, 12), [b"x" * 33, -1, "y"]])))
    elif kind == 2 and isinstance(out.message, HeaderMsg):
        h = out.message.header
        far = _resign(h, signer, h.parents, h.payload, round_=h.round + 10_000)
        sends.append((None, encode(HeaderMsg(far))))
    elif kind == 3:
        sends.append((None, msgpack.packb([3, [["v00", 2**40, 0, [], [], b""]]])))
    return sends


def apply(behaviour: str, out: Outbound, signer: Signer, peers: list[str], rng: Rng) -> list[Send]:
    """What a Byzantine instance with ``behaviour`` sends for ``out``."""
    if behaviour == "mixed":
        behaviour = rng.choice(
            ("equivocate", "bad-signatures", "withhold-votes", "garbage", "honest")
        )
    if behaviour == "equivocate":
        return equivocate(out, signer, peers, rng)
    if behaviour == "bad-signatures":
        return bad_signatures(out, rng)
    if behaviour == "withhold-votes":
        return withhold_votes(out)
    if behaviour == "garbage":
        return garbage(out, signer, rng)
    if behaviour == "silent":
        return []
    return [(out.to, encode(out.message))]
