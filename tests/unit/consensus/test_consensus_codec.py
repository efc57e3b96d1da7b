"""Wire encoding: round trips, digests recomputed from content, garbage is a DecodeError."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consensus.codec import DecodeError, Limits, decode, encode
from consensus.types import (
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
    Vote,
    VoteMsg,
)

D = bytes(range(32))


def header() -> Header:
    parents = (D, bytes(32))
    payload = ((0, D),)
    return Header(
        "a", 3, 0, parents, payload, b"s" * 64, Header.body_digest("a", 3, 0, parents, payload)
    )


MESSAGES = [
    BatchMsg(Batch.create("a", 0, 7, (b"t1", b"t2"))),
    HeaderMsg(header()),
    VoteMsg(Vote(D, 3, "a", "b", b"v" * 64)),
    CertificateMsg(Certificate(header(), (("a", b"x" * 64), ("b", b"y" * 64)))),
    CertificateRequest((D,), 5),
    CertificateResponse((Certificate(header(), ()),)),
    BatchRequest((D, D)),
    BatchResponse((Batch.create("b", 1, 1, ()),)),
]


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: type(m).__name__)
def test_round_trip(msg: object) -> None:
    data = encode(msg)  # type: ignore[arg-type]
    assert decode(data) == msg
    assert encode(decode(data)) == data


def test_retired_batch_ack_tag_is_refused() -> None:
    # Tag 2 was BatchAck until ADR 0079 (votes acknowledge batches): an old peer's
    # acknowledgement is a decode error, not a misread message.
    with pytest.raises(DecodeError, match="unknown message tag 2"):
        decode(msgpack.packb([2, D]))


def test_digest_is_recomputed_not_trusted() -> None:
    h = header()
    forged = Header(h.author, h.round, h.epoch, h.parents, h.payload, h.signature, bytes(32))
    assert decode(encode(HeaderMsg(forged))) == HeaderMsg(h)


def test_limits_are_enforced() -> None:
    small = Limits(max_message_bytes=50, max_parents=1)
    with pytest.raises(DecodeError, match="limit"):
        decode(encode(MESSAGES[0]) + b"x" * 100, small)
    with pytest.raises(DecodeError, match="limit"):
        decode(encode(HeaderMsg(header())), Limits(max_parents=1))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xc1",
        msgpack.packb([99, 1]),
        msgpack.packb({"a": 1}),
        msgpack.packb([3, [1, 2]]),
        msgpack.packb([2, b"short"]),
        msgpack.packb([4, [b"x" * 32, -1, "a", "b", b""]]),
        msgpack.packb([True, 1]),
    ],
)
def test_malformed_is_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


@given(st.binary(max_size=300))
def test_random_bytes_only_raise_decode_error(data: bytes) -> None:
    try:
        decode(data)
    except DecodeError:
        pass


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**64 - 1)
        | st.binary(max_size=40)
        | st.text(max_size=5),
        lambda c: st.lists(c, max_size=6),
        max_leaves=30,
    )
)
def test_random_structures_only_raise_decode_error(obj: object) -> None:
    for tag in range(10):
        try:
            decode(msgpack.packb([tag, obj]))
        except DecodeError:
            pass
