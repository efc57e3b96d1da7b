"""The fast decoder agrees with the reference decoder on valid, mutated and random input."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.codec import (
    DecodeError,
    Limits,
    batch_from_wire,
    cert_from_wire,
    decode,
    decode_reference,
    encode,
    header_from_wire,
    to_wire,
)
from consensus.codec_reference import Reader
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
    Message,
    Vote,
    VoteMsg,
)

ids = st.text(min_size=1, max_size=6)
uints = st.integers(0, 2**63 - 1)
digests = st.binary(min_size=32, max_size=32)
sigs = st.binary(max_size=70)


@st.composite
def headers(draw: st.DrawFn) -> Header:
    a, r, e = draw(ids), draw(uints), draw(uints)
    parents = tuple(draw(st.lists(digests, max_size=4)))
    payload = tuple(draw(st.lists(st.tuples(uints, digests), max_size=4)))
    return Header(
        a, r, e, parents, payload, draw(sigs), Header.body_digest(a, r, e, parents, payload)
    )


batches = st.builds(
    Batch.create, ids, uints, uints, st.lists(st.binary(max_size=40), max_size=5).map(tuple)
)
certs = st.builds(Certificate, headers(), st.lists(st.tuples(ids, sigs), max_size=4).map(tuple))
messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(BatchMsg, batches),
    st.builds(HeaderMsg, headers()),
    st.builds(VoteMsg, st.builds(Vote, digests, uints, ids, ids, sigs)),
    st.builds(CertificateMsg, certs),
    st.builds(CertificateRequest, st.lists(digests, max_size=3).map(tuple), uints),
    st.builds(CertificateResponse, st.lists(certs, max_size=3).map(tuple)),
    st.builds(BatchRequest, st.lists(digests, max_size=3).map(tuple)),
    st.builds(BatchResponse, st.lists(batches, max_size=3).map(tuple)),
)
# Values a hostile peer might put anywhere: near misses of every field type.
odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.sampled_from([-1, 2**63 - 1, 2**63, 0, 1]),
    st.floats(allow_nan=False),
    st.binary(max_size=40),
    st.binary(min_size=31, max_size=33),
    st.text(max_size=70),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
)
LIMITS = [
    Limits(),
    Limits(max_id_len=2, max_signature_len=8, max_parents=1, max_payload=1, max_votes=1),
    Limits(max_txs=1, max_tx_bytes=3, max_items=1),
]


def outcome(data: bytes, lim: Limits, fn: Any) -> object:
    try:
        return fn(data, lim)
    except DecodeError as exc:
        return ("DecodeError", str(exc))


def same(data: bytes) -> None:
    for lim in LIMITS:
        assert outcome(data, lim, decode) == outcome(data, lim, decode_reference)


def paths(x: Any, prefix: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    out = [prefix]
    if isinstance(x, list):
        for i, item in enumerate(x):
            out.extend(paths(item, (*prefix, i)))
    return out


def replace(x: Any, path: tuple[int, ...], value: object) -> Any:
    if not path:
        return value
    copy = list(x)
    copy[path[0]] = replace(x[path[0]], path[1:], value)
    return copy


@given(messages)
def test_valid_messages_decode_alike(msg: Message) -> None:
    data = encode(msg)
    same(data)
    assert decode(data) == msg


@settings(max_examples=300)
@given(messages, st.data())
def test_mutated_messages_decode_alike(msg: Message, data: st.DataObject) -> None:
    wire = to_wire(msg)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths(wire)))
        kind = data.draw(st.sampled_from(["value", "drop", "extend"]))
        if kind == "value" or not where:
            wire = replace(wire, where, data.draw(odd))
            continue
        parent = where[:-1]
        node = wire
        for i in parent:
            node = node[i]
        if kind == "drop":
            node = node[: where[-1]] + node[where[-1] + 1 :]
        else:
            node = [*node, data.draw(odd)]
        wire = replace(wire, parent, node)
    same(msgpack.packb(wire, use_bin_type=True))


@given(st.binary(max_size=200))
def test_random_bytes_decode_alike(data: bytes) -> None:
    same(data)


@pytest.mark.parametrize(
    "wire",
    [
        [True, ["a", 0, 1, []]],  # a bool tag: refused by both (not an int)
        [1, ["a", True, 1, []]],
        [1, ["a", 0, 1, [b"x", "y"]]],
        [3, ["a", 1, 0, [b"d" * 32], [[0, b"d" * 32]], b"s"]],
        [3, ["a", 1, 0, [b"d" * 32], [[False, b"d" * 32]], b"s"]],
        [3, ["a", 1, 0, [b"d" * 31], [], b"s"]],
        [3, ["", 1, 0, [], [], b"s"]],
        [4, [b"d" * 32, 1, "a", "b", 1.0]],
        [5, [["a", 1, 0, [], [], b"s"], [["b", b"v"], ["c"]]]],
        [6, [b"d" * 32], 3],
        [7, [[["a", 1, 0, [], [], b"s"], []], 5]],
        [9, [["a", 0, 1, [b"t"]], ["a", -1, 1, []]]],
        [2, b"d" * 32, 1],
        [],
    ],
)
def test_edge_cases_decode_alike(wire: list[object]) -> None:
    same(msgpack.packb(wire, use_bin_type=True))


@given(batches, headers(), certs)
def test_record_readers_agree_with_reference(batch: Batch, h: Header, c: Certificate) -> None:
    lim, ref = Limits(), Reader(Limits())
    assert batch_from_wire(to_wire(BatchMsg(batch))[1], lim) == ref.batch(
        to_wire(BatchMsg(batch))[1]
    )
    assert header_from_wire(to_wire(HeaderMsg(h))[1], lim) == ref.header(to_wire(HeaderMsg(h))[1])
    assert cert_from_wire(to_wire(CertificateMsg(c))[1], lim) == ref.cert(
        to_wire(CertificateMsg(c))[1]
    )
    with pytest.raises(DecodeError):
        header_from_wire(["a", True, 0, [], [], b""], lim)


D = bytes(range(32))
H = Header(
    "a",
    3,
    0,
    (D,),
    ((0, D), (1, D)),
    b"s" * 64,
    Header.body_digest("a", 3, 0, (D,), ((0, D), (1, D))),
)
SAMPLES: list[Message] = [
    BatchMsg(Batch.create("a", 0, 7, (b"t1", b"t2"))),
    HeaderMsg(H),
    VoteMsg(Vote(D, 3, "a", "b", b"v" * 64)),
    CertificateMsg(Certificate(H, (("a", b"x" * 64), ("b", b"y" * 64)))),
    CertificateRequest((D,), 5),
    CertificateResponse((Certificate(H, (("a", b"x"),)),)),
    BatchRequest((D, D)),
    BatchResponse((Batch.create("b", 1, 1, (b"t",)),)),
]
NEAR_MISSES: list[object] = [
    None,
    True,
    False,
    -1,
    0,
    1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    1.0,
    "",
    "a",
    "x" * 65,
    b"",
    b"d" * 31,
    b"d" * 32,
    b"d" * 33,
    b"s" * 129,
    [],
    [0],
    [0, D],
    [[0, D]],
    {"a": 1},
]


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_field_replaced_by_every_near_miss_decodes_alike(msg: Message) -> None:
    wire = to_wire(msg)
    for where in paths(wire):
        for value in NEAR_MISSES:
            same(msgpack.packb(replace(wire, where, value), use_bin_type=True))
        if where:  # the field dropped, and a field appended to its array
            parent = where[:-1]
            node = wire
            for i in parent:
                node = node[i]
            dropped = node[: where[-1]] + node[where[-1] + 1 :]
            same(msgpack.packb(replace(wire, parent, dropped), use_bin_type=True))
            same(msgpack.packb(replace(wire, parent, [*node, node[-1]]), use_bin_type=True))
