"""Attestations and outcomes for partition-scoped followers (ADR 0077)."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consensus.committee import Committee, Validator
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from drex_node.ledger.execute import (
    packed_writes,
    root_of_packed,
    state_root,
    unpack_writes,
)
from drex_node.runtime.outcome import (
    Attestation,
    Attestor,
    StoredOutcome,
    attestation_message,
    attested_weight,
)
from drex_node.runtime.scopedsync import keep_writes

CHAIN = "drex-test"
SIGNERS = {name: Ed25519Signer(bytes([i + 1]) * 32) for i, name in enumerate("abcd")}
COMMITTEE = Committee.create(
    1, [Validator(n, s.public_key, 1) for n, s in SIGNERS.items()]
)  # weight 4: f+1 = 2
HASH, ROOT, DIGEST = b"h" * 32, b"r" * 32, b"d" * 32
CLAIM = (HASH, ROOT, DIGEST)


def att(
    name: str,
    root: bytes = ROOT,
    digest: bytes = DIGEST,
    height: int = 7,
    block: bytes = HASH,
) -> Attestation:
    sig = SIGNERS[name].sign(attestation_message(CHAIN, height, block, root, digest))
    return Attestation(height, block, root, digest, name, sig)


def weight(atts: list[Attestation]) -> int:
    return attested_weight(atts, CLAIM, CHAIN, COMMITTEE, Ed25519Verifier())


def test_validity_needs_distinct_members_with_valid_signatures() -> None:
    assert COMMITTEE.validity == 2
    assert weight([att("a")]) == 1
    assert weight([att("a"), att("a")]) == 1  # the same member twice counts once
    assert weight([att("a"), att("b")]) == 2
    assert weight([att("a"), att("b", root=b"x" * 32)]) == 1  # another root: not for this one
    assert weight([att("a"), att("b", digest=b"x" * 32)]) == 1
    assert weight([att("a"), att("b", block=b"x" * 32)]) == 1  # another block, same result
    bad = Attestation(7, HASH, ROOT, DIGEST, "b", bytes(64))
    assert weight([att("a"), bad]) == 1
    short = Attestation(7, HASH[:31], ROOT, DIGEST, "b", att("b").signature)
    assert not short.well_formed() and weight([att("a"), short]) == 1
    # A valid signature by a key that is not a member's, claiming a member's name.
    other = Ed25519Signer(b"\x09" * 32)
    impostor = Attestation(
        7, HASH, ROOT, DIGEST, "c", other.sign(attestation_message(CHAIN, 7, *CLAIM))
    )
    assert weight([att("a"), impostor]) == 1
    stranger = Attestation(
        7, HASH, ROOT, DIGEST, "z", other.sign(attestation_message(CHAIN, 7, *CLAIM))
    )
    assert weight([att("a"), stranger]) == 1
    # Another chain or height does not carry over.
    wrong_height = att("b", height=8)
    assert weight([att("a"), Attestation(7, *CLAIM, "b", wrong_height.signature)]) == 1


def test_attestor_signs_what_a_follower_checks() -> None:
    out = Attestor(CHAIN, "c", SIGNERS["c"]).outcome(
        3, HASH, ROOT, b"\x90", [b"r1"], [b"e1"], ["n"]
    )
    a = Attestation(3, HASH, ROOT, out.digest, out.signer, out.signature)
    assert a.valid(CHAIN, COMMITTEE, Ed25519Verifier())
    assert not a.valid("other-chain", COMMITTEE, Ed25519Verifier())
    assert StoredOutcome.decode(out.encode()) == out


_keys = st.tuples(st.sampled_from(["meta", "p/N", "p/S"]), st.binary(min_size=1, max_size=8))
_writes = st.dictionaries(_keys, st.one_of(st.none(), st.binary(max_size=16)), max_size=20)


@given(_writes)
def test_packed_writes_round_trip_and_give_the_state_root(writes: dict) -> None:  # type: ignore[type-arg]
    packed = packed_writes(writes)
    assert unpack_writes(packed) == writes
    prev = b"p" * 32
    assert root_of_packed(prev, 5, packed) == state_root(prev, 5, writes)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xc1",
        msgpack.packb([[["meta", "not-bytes"], b"v"]], use_bin_type=True),
        msgpack.packb([[["meta", b"k"], 5]], use_bin_type=True),
        msgpack.packb([[["meta", b"k"], b"v"], [["meta", b"k"], b"w"]], use_bin_type=True),
        msgpack.packb([1, 2], use_bin_type=True),
        msgpack.packb([[["meta", b"k"], b"v"]], use_bin_type=True) + b"\x00",
    ],
)
def test_malformed_writes_are_refused(raw: bytes) -> None:
    with pytest.raises(ValueError, match="malformed writes"):
        unpack_writes(raw)


def test_a_scoped_follower_keeps_meta_and_its_partitions() -> None:
    writes = {("meta", b"dir/x"): b"N", ("p/N", b"a/1"): b"1", ("p/S", b"a/2"): None}
    assert keep_writes(writes, frozenset({"p/N"})) == {
        ("meta", b"dir/x"): b"N",
        ("p/N", b"a/1"): b"1",
    }


def test_a_store_keeps_the_scope_it_was_created_with(tmp_path: Path) -> None:
    from drex_node.ledger.state import K_CHAIN, META
    from drex_node.runtime.outcome import RECORDS_NS, claim_scope
    from drex_node.storage.rocks import RocksStore

    store = RocksStore(tmp_path / "db")
    try:
        store.create_namespace(RECORDS_NS)
        claim_scope(store, ("N",))  # fresh: recorded
        claim_scope(store, ("N", "NE"))  # still fresh (no genesis yet): recorded again
        store.create_namespace(META)
        store.put(META, K_CHAIN, b"chain")  # genesis written
        claim_scope(store, ("NE", "N"))
        with pytest.raises(ValueError, match="node.partitions: the data directory keeps"):
            claim_scope(store, ("N",))
        with pytest.raises(ValueError, match="every partition"):
            claim_scope(store, None)
        store.delete(RECORDS_NS, b"scope")  # a store from before ADR 0077: every partition
        claim_scope(store, None)
        with pytest.raises(ValueError, match="keeps every partition"):
            claim_scope(store, ("N",))
    finally:
        store.close()
