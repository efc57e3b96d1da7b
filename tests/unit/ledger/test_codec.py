"""Strict decoding: every malformed input is rejected with its own reason code."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drex_node.genesis.dev import key
from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.tx import (
    MAX_TX_BYTES,
    TxDecodeError,
    build,
    decode,
    encode_body,
    sign_body,
    verify_signatures,
)

ALICE = key("alice")
BOB = key("bob")


def transfer(**kw: object) -> bytes:
    args: dict[str, object] = {
        "chain_id": "drex-dev",
        "fields": [BOB.address, "DREX", 5, b""],
        "nonce": 1,
        "expiry": 9,
    }
    args.update(kw)
    return build(
        str(args["chain_id"]),
        TxType.TRANSFER,
        args["fields"],  # type: ignore[arg-type]
        int(args["nonce"]),
        int(args["expiry"]),
        [ALICE.seed],  # type: ignore[call-overload]
    )


def reason(data: object, chain_id: str | None = "drex-dev") -> Reason:
    with pytest.raises(TxDecodeError) as exc:
        decode(data, chain_id=chain_id)  # type: ignore[arg-type]
    return exc.value.reason


def test_roundtrip_and_signature() -> None:
    raw = transfer()
    tx = decode(raw, chain_id="drex-dev")
    assert tx.type is TxType.TRANSFER
    assert tx.fields == (BOB.address, "DREX", 5, b"")
    assert tx.sender == ALICE.address
    assert verify_signatures(tx)
    assert len(tx.hash) == 32


def test_hash_binds_the_signers_but_not_the_signatures() -> None:
    body = encode_body("drex-dev", TxType.TRANSFER, [BOB.address, "DREX", 5, b""], 1, 9)
    a = decode(sign_body(body, [ALICE.seed]))
    assert a.hash == decode(transfer()).hash  # deterministic
    obj = msgpack.unpackb(a.raw)
    obj[1][0][1] = bytes(64)  # another signature: same id (not malleable), fails to verify
    forged = decode(msgpack.packb(obj, use_bin_type=True))
    assert forged.hash == a.hash and not verify_signatures(forged)
    b = decode(sign_body(body, [BOB.seed]))
    assert b.hash != a.hash  # same body, another sender: another transaction


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", Reason.MALFORMED),
        (b"\xc1", Reason.MALFORMED),
        (b"garbage bytes", Reason.MALFORMED),
        (msgpack.packb({"a": 1}), Reason.MALFORMED),
        (msgpack.packb([1, 2, 3]), Reason.MALFORMED),
        (b"\x00" * (MAX_TX_BYTES + 1), Reason.OVERSIZED),
        ("text", Reason.MALFORMED),
    ],
)
def test_garbage_is_rejected(data: bytes, expected: Reason) -> None:
    assert reason(data) is expected


def test_truncated_encodings_are_malformed() -> None:
    raw = transfer()
    for cut in range(len(raw)):
        assert reason(raw[:cut]) in (Reason.MALFORMED,)


def test_trailing_bytes_are_rejected() -> None:
    assert reason(transfer() + b"\x00") is Reason.MALFORMED


def test_non_canonical_integer_width_is_rejected() -> None:
    raw = transfer()
    # nonce 1 encoded canonically as 0x01; re-encode it as uint16 (0xcd 0x00 0x01).
    obj = msgpack.unpackb(raw)
    packer = msgpack.Packer(use_bin_type=True)
    head = b"\x92\x96" + packer.pack(1) + packer.pack("drex-dev") + packer.pack(2)
    fields = packer.pack(obj[0][3])
    noncanon = head + fields + b"\xcd\x00\x01" + packer.pack(9) + packer.pack(obj[1])
    assert reason(noncanon) is Reason.NON_CANONICAL


def test_str_where_bin_expected_and_float_are_rejected() -> None:
    obj = msgpack.unpackb(transfer())
    obj[0][3][3] = "memo-as-text"
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.BAD_FIELDS
    obj = msgpack.unpackb(transfer())
    obj[0][3][2] = 5.0
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.BAD_FIELDS


def test_wrong_chain_version_type_and_reserved() -> None:
    assert reason(transfer(chain_id="other-chain")) is Reason.WRONG_CHAIN
    obj = msgpack.unpackb(transfer())
    obj[0][0] = 2
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.BAD_VERSION
    obj[0][0] = 1
    obj[0][2] = 99
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.UNKNOWN_TYPE
    for reserved in (TxType.Z_REGISTER, TxType.Z_TRANSFER):
        obj[0][2] = int(reserved)
        assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.UNSUPPORTED_TYPE


def test_bad_fields_and_amounts() -> None:
    assert reason(transfer(fields=[BOB.address, "DREX", 0, b""])) is Reason.BAD_FIELDS
    assert reason(transfer(fields=[BOB.address, "DREX", -5, b""])) is Reason.BAD_FIELDS
    assert reason(transfer(fields=[b"short", "DREX", 5, b""])) is Reason.BAD_FIELDS
    assert reason(transfer(fields=[BOB.address, "DREX", 5])) is Reason.BAD_FIELDS
    assert reason(transfer(fields=[BOB.address, "DREX", 5, b"x" * 200])) is Reason.BAD_FIELDS
    assert reason(transfer(fields=[BOB.address, "", 5, b""])) is Reason.BAD_FIELDS


def test_bad_signature_is_detected_not_raised() -> None:
    obj = msgpack.unpackb(transfer())
    sig = bytearray(obj[1][0][1])
    sig[5] ^= 1
    obj[1][0][1] = bytes(sig)
    tx = decode(msgpack.packb(obj, use_bin_type=True))
    assert not verify_signatures(tx)
    obj[1][0][0] = b"\x00" * 32  # not a valid point
    assert not verify_signatures(decode(msgpack.packb(obj, use_bin_type=True)))


def test_duplicate_signer_and_missing_signatures() -> None:
    obj = msgpack.unpackb(transfer())
    obj[1] = obj[1] * 2
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.MALFORMED
    obj[1] = []
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.MALFORMED


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_decode_errors(data: bytes) -> None:
    try:
        decode(data, chain_id="drex-dev")
    except TxDecodeError:
        pass


@given(st.data())
def test_single_byte_mutations_are_rejected_or_change_the_hash(data: st.DataObject) -> None:
    raw = bytearray(transfer())
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(st.integers(1, 255))
    try:
        tx = decode(bytes(raw), chain_id="drex-dev")
    except TxDecodeError:
        return
    original = decode(transfer())
    assert (
        tx.hash != original.hash
        or not verify_signatures(tx)
        or tx.signatures != original.signatures
    )


def test_sixteen_signers_are_canonical() -> None:
    from drex_node.genesis.dev import key as dev_key

    seeds = [dev_key(f"s{i}").seed for i in range(16)]
    raw = build("drex-dev", TxType.TRANSFER, [BOB.address, "DREX", 5, b""], 1, 9, seeds)
    tx = decode(raw)
    assert len(tx.signatures) == 16 and verify_signatures(tx)
    obj = msgpack.unpackb(raw)
    obj[1].append([b"\x01" * 32, b"\x02" * 64])
    assert reason(msgpack.packb(obj, use_bin_type=True)) is Reason.MALFORMED  # 17 > limit


def test_signature_list_in_a_wider_array_header_is_non_canonical() -> None:
    raw = transfer()
    obj = msgpack.unpackb(raw)
    packer = msgpack.Packer(use_bin_type=True)
    sigs = b"\xdc\x00\x01" + packer.pack(obj[1][0])  # array16 holding one element
    assert reason(b"\x92" + packer.pack(obj[0]) + sigs) is Reason.NON_CANONICAL
