"""Hand-written fast paths agree with the generic code they stand in for (ADR 0005):
byte for byte for encoders, verdict and message for checkers."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drex_node.ledger import tx as txmod
from drex_node.ledger.codes import MAX_AMOUNT, Reason, TxType
from drex_node.ledger.receipts import Receipt, encode_receipts


def _strict_unpack(data: bytes) -> Any:
    """The decoder's msgpack call with every limit spelled out (the pre-0005 form)."""
    return msgpack.unpackb(
        data,
        raw=False,
        use_list=True,
        strict_map_key=True,
        max_bin_len=txmod.MAX_TX_BYTES,
        max_str_len=txmod.MAX_TX_BYTES,
        max_array_len=1024,
        max_map_len=0,
        max_ext_len=0,
        ext_hook=txmod._reject_ext,
    )


def _outcome(fn: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "ok", fn(data)
    except Exception as exc:  # what decode() turns into "not msgpack: <type>"
        return "error", type(exc).__name__


LENGTH_CLAIMS = [
    b"\xc4\xff" + b"a" * 10,  # bin8 longer than the data
    b"\xc5\x40\x00" + b"a" * 100,  # bin16 = MAX_TX_BYTES
    b"\xc5\x40\x01" + b"a" * 100,
    b"\xda\x40\x00" + b"a" * 100,  # str16
    b"\xdb\x00\x00\x40\x00" + b"a" * 50,
    b"\xc6\x00\x01\x00\x00" + b"a" * 10,
    b"\xdc\x04\x01" + b"\x00" * 1025,  # array over the 1,024 cap
    b"\xdc\x04\x00" + b"\x00" * 1024,
    b"\x80",
    b"\x81\x00\x00",
    b"\xd4\x01\x00",
    b"\xc7\x01\x05\x00",
    b"\xc1",
    b"\x92\xc4\x02ab",  # trailing bytes missing
    b"\x91\x01\x02",  # extra data
]


@pytest.mark.parametrize("data", LENGTH_CLAIMS)
def test_unpack_limits_match_the_explicit_form(data: bytes) -> None:
    assert _outcome(txmod._unpack, data) == _outcome(_strict_unpack, data)


@given(st.binary(max_size=64))
def test_unpack_matches_the_explicit_form_on_any_bytes(data: bytes) -> None:
    assert _outcome(txmod._unpack, data) == _outcome(_strict_unpack, data)


def _generic_transfer_check(f: list[Any]) -> tuple[Any, ...]:
    return tuple(check(v) for check, v in zip(txmod.SCHEMAS[TxType.TRANSFER], f, strict=True))


FIELD_VALUES = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=70),
    st.integers(min_value=-2, max_value=MAX_AMOUNT + 2),
    st.sampled_from([b"\x01" * 32, "DREX", "a\n", 1, MAX_AMOUNT, b"", b"m" * 128, b"m" * 129]),
    st.none(),
    st.booleans(),
)


@given(st.lists(FIELD_VALUES, min_size=4, max_size=4))
def test_transfer_checker_matches_the_schema(fields: list[Any]) -> None:
    fast = txmod._CHECKERS[TxType.TRANSFER][1]
    assert fast is txmod._check_transfer
    try:
        expected: Any = _generic_transfer_check(fields)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: Any = fast(fields)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_decoded_tx_is_a_plain_tx() -> None:
    from drex_node.genesis.dev import key

    raw = txmod.build(
        "c", TxType.TRANSFER, [key("b").address, "DREX", 5, b""], 1, 9, [key("a").seed]
    )
    tx = txmod.decode(raw)
    assert type(tx) is txmod.Tx and tx == txmod.Tx(*tx) and tx.op_id is None


RECEIPTS = st.builds(
    Receipt,
    st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=40)),
    st.one_of(st.integers(0, 300), st.integers(0, 1 << 40), st.sampled_from([37, 9509, 1 << 32])),
    st.one_of(st.integers(0, 300), st.integers(0, 1 << 17), st.sampled_from([0x25, 0x2525])),
    st.sampled_from(list(Reason)),
    st.one_of(
        st.sampled_from(["", "detail", "%s", "x" * 31, "y" * 32, "z" * 255, "w" * 256, "é"]),
        st.text(max_size=300),
    ),
    st.sampled_from([(), ("rule: flagged",)]),
)


@given(st.lists(RECEIPTS, max_size=20))
def test_encode_receipts_matches_encode(receipts: list[Receipt]) -> None:
    assert encode_receipts(receipts) == [r.encode() for r in receipts]


def test_encode_receipts_templates_escape_percent() -> None:
    # height 37 packs to b"%": the template must not read it as a format directive
    rs = [Receipt(bytes([i % 256]) * 32, 37, i, Reason.OK) for i in (0, 37, 200, 0x2525, 70000)]
    assert encode_receipts(rs) == [r.encode() for r in rs]


NAMESPACES = st.sampled_from(["meta", "p/N", "p/NE", "p/N-", "p/Ñ", "p/北", "blocks", "p/n"])


@given(st.dictionaries(st.tuples(NAMESPACES, st.binary(max_size=6)), st.none(), max_size=60))
def test_root_key_order_is_tuple_order(writes: dict[tuple[str, bytes], None]) -> None:
    from drex_node.ledger.execute import sorted_keys

    assert sorted_keys(writes) == sorted(writes)  # type: ignore[arg-type]


def _account_reference(acc: Any) -> bytes:
    """The account record as one msgpack call (the definition of the encoding)."""
    from drex_node.ledger.state import pack

    rec: list[Any] = [
        acc.pubkey,
        acc.partition,
        acc.kyc_tier,
        acc.flags,
        acc.status,
        acc.nonce,
        sorted([kv for kv in acc.balances.items() if kv[1]]),
    ]
    tail = [
        sorted([kv for kv in acc.held.items() if kv[1]]),
        sorted([kv for kv in acc.locked.items() if kv[1]]),
        sorted(acc.enabled),
    ]
    if any(tail):  # the long form only when one of the three lists is non-empty
        rec += tail
    return pack(rec)


AMOUNTS = st.dictionaries(
    st.sampled_from(["DREX", "BRL", "A", "é", "Z" * 40]), st.integers(0, (1 << 64) - 1)
)
ACCOUNTS = st.builds(
    lambda pk, part, tier, flags, status, nonce, bal, held, locked, enabled: (
        pk,
        part,
        tier,
        flags,
        status,
        nonce,
        bal,
        held,
        locked,
        enabled,
    ),
    st.binary(min_size=32, max_size=32),
    st.sampled_from(["N", "NE", "partição", "P" * 40]),
    st.integers(0, (1 << 64) - 1),
    st.integers(0, (1 << 64) - 1),
    st.integers(0, 3),
    st.integers(0, (1 << 64) - 1),
    AMOUNTS,
    AMOUNTS,
    AMOUNTS,
    st.sets(st.sampled_from(["A", "B", "BRL@1", "ç"])),
)


@given(ACCOUNTS, st.lists(st.tuples(st.sampled_from(range(10)), ACCOUNTS), max_size=6))
def test_account_encoding_matches_the_record(
    fields: tuple[Any, ...], changes: list[tuple[int, tuple[Any, ...]]]
) -> None:
    """Encode, change fields, encode again: every encoding equals the whole record
    packed at once (the definition), and decodes back."""
    from drex_node.ledger.codes import AccountStatus
    from drex_node.ledger.state import Account

    acc = Account(*fields)
    names = [f for f in Account.__dataclass_fields__ if not f.startswith("_")]
    for which, other in [(0, fields), *changes]:
        setattr(acc, names[which], other[which])
        raw = acc.encode()
        assert raw == _account_reference(acc)
        back = Account.decode(raw)
        assert back.nonce == acc.nonce and back.balances == {
            k: v for k, v in acc.balances.items() if v
        }
    acc.status = AccountStatus.FROZEN  # an IntEnum packs as its value
    assert acc.encode() == _account_reference(acc)


def test_strict_packer_writes_what_the_lenient_one_writes() -> None:
    from drex_node.ledger.codes import AccountFlag, AccountStatus
    from drex_node.ledger.state import _strict_packer, pack

    class Name(str):
        pass

    class Key(bytes):
        pass

    values = [
        [AccountStatus.FROZEN, AccountFlag.TREASURY, True, None, 0, -5, 1 << 63],
        (("a", 1), ["b", (2, (3,))]),
        [Name("partição"), Key(b"k" * 32), b"", ""],
    ]
    strict = _strict_packer()
    for v in values:
        assert strict.pack(v) == pack(v)
    with pytest.raises(TypeError):
        strict.pack([1.5j])


CHECKER_SAMPLES = st.sampled_from(
    [b"\x01" * 32, "DREX", 5, 0, b"", [], "", -1, [["a", 1]], 2**64, [["id", b"\x02" * 32, 1, "x"]]]
)


@pytest.mark.parametrize("txtype", list(txmod.SCHEMAS))
@given(data=st.data())
def test_every_compiled_checker_matches_its_schema(txtype: TxType, data: st.DataObject) -> None:
    """The per-arity checkers check the fields in order, like a loop over the schema."""
    schema = txmod.SCHEMAS[txtype]
    arity, check = txmod._CHECKERS[txtype]
    assert arity == len(schema)
    fields = data.draw(st.lists(CHECKER_SAMPLES, min_size=arity, max_size=arity))
    try:
        expected: Any = tuple(c(v) for c, v in zip(schema, fields, strict=True))
    except ValueError as exc:
        expected = str(exc)
    try:
        got: Any = check(fields)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_encode_receipts_odd_fields_take_the_msgpack_path() -> None:
    odd = [
        Receipt(b"h" * 32, 5, 1, Reason.OK, None),  # type: ignore[arg-type]
        Receipt(b"h" * 32, 5, 2, Reason.OK, b""),  # type: ignore[arg-type]
        Receipt(b"h" * 32, 5, 3, Reason.OK, "", ["flag"]),  # type: ignore[arg-type]
        Receipt(b"h" * 31, 5, 4, Reason.OK),
        Receipt(b"h" * 32, -1, 5, Reason.OK),
    ]
    assert encode_receipts(odd) == [r.encode() for r in odd]


DECODED_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(1 << 63), (1 << 64) - 1),
        st.floats(allow_nan=False),
        st.text(max_size=40),
        st.binary(max_size=40),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner)),
    max_leaves=20,
)


@given(DECODED_VALUES)
def test_pack_decoded_matches_the_lenient_packer(value: Any) -> None:
    assert txmod._pack_decoded(value) == txmod._pack(value)


def test_block_receipts_equal_receipts_built_one_by_one() -> None:
    from drex_node.ledger.context import OK, Outcome
    from drex_node.ledger.receipts import block_receipts_of

    outcomes = {0: OK, 1: Outcome(Reason.NONCE_GAP, "gap"), 2: Outcome(Reason.OK, "", ("f",))}
    hashes = {i: bytes([i]) * 32 for i in range(3)}
    built = block_receipts_of(9, hashes, outcomes, 3)
    assert built == tuple(Receipt(hashes[i], 9, i, *outcomes[i]) for i in range(3))
    assert [r.encode() for r in built] == [
        Receipt(hashes[i], 9, i, *outcomes[i]).encode() for i in range(3)
    ]
