"""Hostile shapes are refused by both decoders alike, and cheaply: a boolean tag, and small
inputs that would expand into millions of objects (unpack limits derived from ``Limits``)."""

from __future__ import annotations

import struct
import time
import tracemalloc

import msgpack
import pytest

from consensus.codec import DecodeError, Limits, decode, decode_reference, encode
from consensus.codec_reference import max_arrays
from consensus.types import (
    Batch,
    BatchMsg,
    Certificate,
    CertificateResponse,
    Header,
)


def outcome(data: bytes, lim: Limits, fn: object) -> object:
    try:
        return fn(data, lim)  # type: ignore[operator]
    except DecodeError as exc:
        return ("DecodeError", str(exc))


def refused_alike(data: bytes, lim: Limits | None = None) -> str:
    lim = lim or Limits()
    ref = outcome(data, lim, decode_reference)
    assert outcome(data, lim, decode) == ref
    assert isinstance(ref, tuple), ref
    return str(ref[1])


@pytest.mark.parametrize(
    "wire",
    [
        [True, ["b", 0, 1, []]],
        [True, ["a", 0, 1, [b"t"]]],
        [False, 1],
        [True, [[["a", 1, 0, [], [], b"s"], []]]],
    ],
)
def test_a_boolean_tag_is_refused_by_both(wire: list[object]) -> None:
    assert "tag" in refused_alike(msgpack.packb(wire, use_bin_type=True))


def _array(n: int, item: bytes) -> bytes:
    return b"\xdd" + struct.pack(">I", n) + item * n


@pytest.mark.parametrize("item", [b"\x90", b"\x80", b"\x91\x00"])
def test_a_long_flat_array_is_refused_before_it_is_built(item: bytes) -> None:
    assert "exceeds max_array_len" in refused_alike(_array(1 << 20, item))
    assert "over limit" in refused_alike(b"\xdd\xff\xff\xff\xff")  # 5 bytes asking for 4G slots


@pytest.mark.parametrize(
    "data",
    [
        msgpack.packb([1, {}]),
        msgpack.packb([1, ["a", 0, 1, [{"k": 1}]]]),
        msgpack.packb([1, ["a" * 65 * 4, 0, 1, []]]),
        msgpack.packb([1, [msgpack.ExtType(1, b"xyz")]]),
        msgpack.packb([1, ["a", 0, 1, [b"t" * (256 * 1024 + 1)]]], use_bin_type=True),
    ],
)
def test_maps_ext_and_oversized_strings_are_refused_alike(data: bytes) -> None:
    assert "over limit" in refused_alike(data)


def test_nested_empty_arrays_stop_at_the_array_budget() -> None:
    budget = max_arrays(Limits())
    assert budget == 2 + 1024 * (2 + 3 + 256 + 256) == 529_410
    chunk = _array(100_000, b"\x90")
    m = (8 * 1024 * 1024 - 16) // len(chunk)  # about 8.3M empty arrays in 8 MiB
    data = b"\xdc" + struct.pack(">H", m) + chunk * m
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        msg = refused_alike(data)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert f"more than {budget} arrays" in msg
    # about 33 MiB (0.53M arrays), where it was about 490 MiB before the budget
    assert peak < 64 * 1024 * 1024, peak
    assert time.perf_counter() - t0 < 30  # generous: shared CI machines


def test_the_largest_legal_shapes_still_decode() -> None:
    d = bytes(range(32))
    payload = tuple((i, d) for i in range(256))
    parents = (d,) * 256
    h = Header(
        "a" * 64,
        9,
        0,
        parents,
        payload,
        b"s" * 128,
        Header.body_digest("a" * 64, 9, 0, parents, payload),
    )
    votes = tuple((f"v{i}", b"") for i in range(256))
    msg = CertificateResponse((Certificate(h, votes),) * 30)  # ~0.9 MB, 15k arrays
    data = encode(msg)
    assert len(data) > max_arrays(Limits())  # long enough to run the array-count hook
    assert decode(data) == msg == decode_reference(data)
    batch = BatchMsg(Batch.create("é" * 64, 0, 1, tuple(b"" for _ in range(100_000))))
    assert decode(encode(batch)) == batch == decode_reference(encode(batch))
    big = BatchMsg(Batch.create("a", 0, 1, (b"t" * (256 * 1024),) * 3))
    assert decode(encode(big)) == big
