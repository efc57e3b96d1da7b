"""DREX settlement primitives on the default asset model, every failure path included."""

from __future__ import annotations

import msgpack
import pytest

from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.commit import block_events
from drex_node.ledger.state import StateView
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain

ITAU, BB, BRADESCO = "BRL@60701190", "BRL@00000000", "BRL@60746948"
BOND = "TPF/LTN/100000/2027-01-01"


@pytest.fixture
def c() -> Chain:
    return Chain(MemoryStore(), drex=True)


def reasons(result: object) -> list[Reason]:
    return [r.reason for r in result.receipts]  # type: ignore[attr-defined]


def supply(c: Chain, asset: str) -> tuple[int, int]:
    return StateView(c.store).supply(asset)


# ------------------------------------------------------------ asset model
def test_wholesale_brl_only_for_reserve_holders(c: Chain) -> None:
    r = c.commit(
        [
            c.transfer("bank-itau", "bank-bb", 500, asset="BRL"),
            c.transfer("bank-itau", "client-itau-0", 500, asset="BRL"),
        ]
    )
    assert r.receipts[0].reason is Reason.OK
    assert r.receipts[1].reason in (Reason.NOT_ENABLED, Reason.CREDIT_REFUSED)
    assert "NOT_ENABLED" in r.receipts[1].detail or r.receipts[1].reason is Reason.NOT_ENABLED
    assert c.balance("client-itau-0", "BRL") == 0


def test_deposit_tokens_need_the_issuers_enablement(c: Chain) -> None:
    r = c.commit([c.transfer("client-itau-0", "client-bb-0", 10, asset=ITAU)])
    assert r.receipts[0].reason in (Reason.NOT_ENABLED, Reason.CREDIT_REFUSED)
    r = c.commit(
        [
            c.tx("bank-bb", TxType.ENABLE_HOLDER, [c.addr("client-bb-0"), ITAU]),  # not the issuer
            c.tx("bank-itau", TxType.ENABLE_HOLDER, [c.addr("client-bb-0"), ITAU]),
            c.transfer("client-itau-0", "client-bb-0", 10, asset=ITAU),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.OK]
    assert c.balance("client-bb-0", ITAU) == 10
    r = c.commit(
        [
            c.tx("bank-itau", TxType.DISABLE_HOLDER, [c.addr("client-bb-0"), ITAU]),
            c.transfer("client-itau-1", "client-bb-0", 10, asset=ITAU),
        ]
    )
    assert r.receipts[1].reason in (Reason.NOT_ENABLED, Reason.CREDIT_REFUSED)


def test_pause_and_unpause_by_the_authority(c: Chain) -> None:
    r = c.commit(
        [
            c.tx("bank-itau", TxType.PAUSE, [ITAU]),
            c.tx("authority", TxType.PAUSE, [ITAU]),
            c.transfer("client-itau-0", "client-itau-1", 1, asset=ITAU),
            c.tx("bank-itau", TxType.MINT, [c.addr("client-itau-0"), ITAU, 5]),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.ASSET_PAUSED, Reason.ASSET_PAUSED]
    assert r.receipts[1].flags == ("audit: pause " + ITAU,)
    r = c.commit(
        [
            c.tx("authority", TxType.UNPAUSE, [ITAU]),
            c.transfer("client-itau-0", "client-itau-1", 1, asset=ITAU),
        ]
    )
    assert reasons(r) == [Reason.OK, Reason.OK]


# ------------------------------------------------------------ interbank swap
def test_interbank_swap_in_one_step(c: Chain) -> None:
    before = (
        supply(c, ITAU),
        supply(c, BB),
        c.balance("bank-itau", "BRL"),
        c.balance("bank-bb", "BRL"),
    )
    r = c.commit([c.tx("client-itau-0", TxType.SWAP, [c.addr("client-bb-0"), ITAU, BB, 300])])
    assert reasons(r) == [Reason.OK]
    assert c.balance("client-itau-0", ITAU) == 1_000_000 - 300
    assert c.balance("client-bb-0", BB) == 1_000_000 + 300
    assert c.balance("bank-itau", "BRL") == before[2] - 300
    assert c.balance("bank-bb", "BRL") == before[3] + 300
    assert supply(c, ITAU) == (before[0][0], before[0][1] + 300)
    assert supply(c, BB) == (before[1][0] + 300, before[1][1])


def test_swap_failures_change_nothing_but_the_nonce(c: Chain) -> None:
    c.commit(
        [
            c.tx(
                "authority",
                TxType.FORCE_MOVE,
                [c.addr("bank-bradesco"), c.addr("bank-itau"), "BRL", 10**12, "court-1"],
            )
        ]
    )
    snapshot = (c.balance("client-itau-0", ITAU), c.balance("bank-itau", "BRL"))
    r = c.commit(
        [
            c.tx("client-itau-0", TxType.SWAP, [c.addr("client-bb-0"), ITAU, BRADESCO, 5]),  # payee
            c.tx(
                "client-bradesco-0", TxType.SWAP, [c.addr("client-bb-0"), BRADESCO, BB, 5]
            ),  # bank
            c.tx("client-itau-0", TxType.SWAP, [c.addr("client-bb-0"), ITAU, BB, 10**9]),  # funds
            c.tx(
                "client-itau-0", TxType.SWAP, [c.addr("client-bb-0"), ITAU, "BRL", 5]
            ),  # not deposit
        ]
    )
    assert reasons(r) == [
        Reason.NOT_ENABLED,
        Reason.INSUFFICIENT_FUNDS,
        Reason.INSUFFICIENT_FUNDS,
        Reason.BAD_FIELDS,
    ]
    assert "payer bank reserves" in r.receipts[1].detail
    assert (c.balance("client-itau-0", ITAU), c.balance("bank-itau", "BRL")) == snapshot


def test_swap_within_one_bank_is_a_token_transfer(c: Chain) -> None:
    brl = c.balance("bank-itau", "BRL")
    r = c.commit([c.tx("client-itau-0", TxType.SWAP, [c.addr("client-itau-1"), ITAU, ITAU, 7])])
    assert reasons(r) == [Reason.OK]
    assert c.balance("client-itau-1", ITAU) == 1_000_007
    assert c.balance("bank-itau", "BRL") == brl


# ------------------------------------------------------------ two-step settlement
def propose(
    c: Chain,
    amount: int = 100,
    want: tuple[str, int] = ("", 0),
    blocks: int = 3,
    ms: int = 0,
    who: str = "bank-itau",
    to: str = "bank-bb",
) -> bytes:
    return c.tx(who, TxType.PROPOSE, [c.addr(to), "BRL", amount, want[0], want[1], blocks, ms])


def test_propose_escrows_and_accept_settles(c: Chain) -> None:
    p = propose(c, 100, want=(BOND, 50))
    brl = c.balance("bank-itau", "BRL")
    r = c.commit([p])
    pid = r.receipts[0].tx_hash
    acc = c.account("bank-itau")
    assert acc.held == {"BRL": 100} and acc.free("BRL") == brl - 100
    spend_all = c.transfer("bank-itau", "bank-caixa", brl - 50, asset="BRL")
    r = c.commit(
        [
            spend_all,  # escrow cannot be spent
            c.tx("bank-caixa", TxType.ACCEPT, [pid]),  # not the counterparty
            c.tx("bank-bb", TxType.ACCEPT, [pid]),
            c.tx("bank-bb", TxType.ACCEPT, [pid]),  # twice
        ]
    )
    assert reasons(r) == [
        Reason.FUNDS_LOCKED,
        Reason.NOT_COUNTERPARTY,
        Reason.OK,
        Reason.OPERATION_CLOSED,
    ]
    assert c.balance("bank-itau", "BRL") == brl - 100
    assert c.balance("bank-itau", BOND) == 10**6 + 50
    assert c.account("bank-itau").held == {}


def test_cancel_by_proposer_only_releases(c: Chain) -> None:
    r = c.commit([propose(c)])
    pid = r.receipts[0].tx_hash
    r = c.commit(
        [
            c.tx("bank-bb", TxType.CANCEL, [pid, 4]),
            c.tx("bank-itau", TxType.CANCEL, [pid, 4]),
            c.tx("bank-bb", TxType.ACCEPT, [pid]),
            c.tx("bank-itau", TxType.CANCEL, [bytes(32), 4]),
        ]
    )
    assert reasons(r) == [
        Reason.NOT_INITIATOR,
        Reason.OK,
        Reason.OPERATION_CLOSED,
        Reason.UNKNOWN_OPERATION,
    ]
    assert "reason 4" in r.receipts[1].detail
    assert c.account("bank-itau").held == {}


def test_expiry_in_blocks_releases_with_a_system_receipt(c: Chain) -> None:
    r = c.commit([propose(c, blocks=2)])  # height 1, expires at the end of height 3
    pid = r.receipts[0].tx_hash
    assert c.commit([]).events == ()
    r3 = c.commit([])
    assert len(r3.events) == 1 and "expired" in r3.events[0].detail
    assert r3.events[0].index == 0  # after the block's (zero) transactions
    assert block_events(c.store, 3) == list(r3.events)
    assert c.account("bank-itau").held == {}
    assert reasons(c.commit([c.tx("bank-bb", TxType.ACCEPT, [pid])])) == [Reason.OPERATION_CLOSED]


def test_expiry_in_consensus_time(c: Chain) -> None:
    r = c.commit([propose(c, blocks=0, ms=2500)])  # at t=1000 ms, expires at 3500 ms
    pid = r.receipts[0].tx_hash
    assert c.commit([]).events == () and c.commit([]).events == ()  # t=2000, 3000
    r4 = c.commit([c.tx("bank-bb", TxType.ACCEPT, [pid])])  # t=4000: too late
    assert reasons(r4) == [Reason.OPERATION_CLOSED]
    assert len(r4.events) == 1
    assert c.account("bank-itau").held == {}


def test_bad_proposals(c: Chain) -> None:
    r = c.commit(
        [
            propose(c, blocks=0, ms=0),
            propose(c, want=(BOND, 0)),
            propose(c, amount=10**18),
            propose(c, to="bank-itau"),
        ]
    )
    assert reasons(r) == [
        Reason.BAD_EXPIRY,
        Reason.BAD_FIELDS,
        Reason.INSUFFICIENT_FUNDS,
        Reason.SELF_TRANSFER,
    ]


# ------------------------------------------------------------ bond DvP, double command
def leg(
    c: Chain,
    who: str,
    cp: str,
    side: int,
    op: str = "OP-1",
    qty: int = 1_000,
    cash: int = 95_000,
    blocks: int = 5,
) -> bytes:
    return c.tx(who, TxType.DVP_LEG, [op, c.addr(cp), side, BOND, qty, "BRL", cash, blocks])


def test_dvp_double_command_settles_atomically(c: Chain) -> None:
    bonds, cash = c.balance("bank-itau", BOND), c.balance("bank-bb", "BRL")
    bb_bonds = c.balance("bank-bb", BOND)
    r = c.commit([leg(c, "bank-itau", "bank-bb", 0)])
    assert reasons(r) == [Reason.OK] and "pending" in r.receipts[0].detail
    assert c.account("bank-itau").held == {BOND: 1_000}
    r = c.commit(
        [
            leg(c, "bank-bb", "bank-itau", 1, qty=999),  # mismatched
            leg(c, "bank-caixa", "bank-itau", 1),  # third party reusing the id
            leg(c, "bank-itau", "bank-bb", 0),  # initiator again
            leg(c, "bank-bb", "bank-itau", 1),  # the match
            leg(c, "bank-bb", "bank-itau", 1),  # after settlement
        ]
    )
    assert reasons(r) == [
        Reason.MISMATCHED_LEGS,
        Reason.OPERATION_ID_IN_USE,
        Reason.DUPLICATE_OPERATION,
        Reason.OK,
        Reason.OPERATION_CLOSED,
    ]
    assert c.balance("bank-itau", BOND) == bonds - 1_000
    assert c.balance("bank-bb", BOND) == bb_bonds + 1_000
    assert c.balance("bank-bb", "BRL") == cash - 95_000
    assert c.account("bank-itau").held == {}


def test_dvp_cancel_by_initiator_only_and_expiry(c: Chain) -> None:
    c.commit([leg(c, "bank-bb", "bank-itau", 1, op="OP-2", blocks=2)])  # bb pays: cash escrow
    assert c.account("bank-bb").held == {"BRL": 95_000}
    r = c.commit([c.tx("bank-itau", TxType.DVP_CANCEL, ["OP-2", c.addr("bank-bb")])])
    assert reasons(r) == [Reason.NOT_INITIATOR]
    r = c.commit([])  # height 3: expires
    assert len(r.events) == 1 and "dvp OP-2 expired" in r.events[0].detail
    assert c.account("bank-bb").held == {}
    c.commit([leg(c, "bank-bb", "bank-itau", 1, op="OP-3")])
    r = c.commit(
        [
            c.tx("bank-bb", TxType.DVP_CANCEL, ["OP-3", c.addr("bank-itau")]),
            leg(c, "bank-itau", "bank-bb", 0, op="OP-3"),
        ]
    )
    assert reasons(r) == [Reason.OK, Reason.OPERATION_CLOSED]
    assert c.account("bank-bb").held == {}


def test_dvp_match_fails_all_or_nothing_when_the_payer_is_short(c: Chain) -> None:
    bb_bonds = c.balance("bank-bb", BOND)
    c.commit([leg(c, "bank-itau", "bank-bb", 0, op="OP-4", cash=10**13)])
    r = c.commit([leg(c, "bank-bb", "bank-itau", 1, op="OP-4", cash=10**13)])
    assert reasons(r) == [Reason.INSUFFICIENT_FUNDS]
    assert c.account("bank-itau").held == {BOND: 1_000}  # still pending
    assert c.balance("bank-bb", BOND) == bb_bonds


# ------------------------------------------------------------ idempotent submission
def test_client_operation_id_gives_one_effect(c: Chain) -> None:
    first = c.transfer("client-itau-0", "client-itau-1", 40, asset=ITAU, op_id=b"pay-123")
    again = c.transfer("client-itau-0", "client-itau-1", 40, asset=ITAU, op_id=b"pay-123")
    r = c.commit([first, again])
    assert reasons(r) == [Reason.OK, Reason.DUPLICATE_OPERATION]
    assert r.receipts[1].detail == r.receipts[0].tx_hash.hex()
    r = c.commit([c.transfer("client-itau-0", "client-itau-1", 40, asset=ITAU, op_id=b"pay-123")])
    assert reasons(r) == [Reason.DUPLICATE_OPERATION]
    assert c.balance("client-itau-1", ITAU) == 1_000_040
    other = c.transfer("client-itau-1", "client-itau-0", 1, asset=ITAU, op_id=b"pay-123")
    assert reasons(c.commit([other])) == [Reason.OK]  # ids are per account


# ------------------------------------------------------------ locks and court orders
def test_partial_lock_and_court_order(c: Chain) -> None:
    target = c.addr("client-itau-0")
    r = c.commit(
        [
            c.tx("client-itau-1", TxType.LOCK, [target, ITAU, 10, 1]),
            c.tx("regulator", TxType.LOCK, [target, ITAU, 600_000, 9]),
            c.transfer("client-itau-0", "client-itau-1", 500_000, asset=ITAU),
            c.transfer("client-itau-0", "client-itau-1", 400_000, asset=ITAU),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.FUNDS_LOCKED, Reason.OK]
    assert r.receipts[1].flags == (f"audit: lock 600000 {ITAU} reason 9",)
    r = c.commit(
        [
            c.tx("regulator", TxType.FORCE_MOVE, [target, c.addr("bank-itau"), ITAU, 1, "x"]),
            c.tx(
                "authority",
                TxType.FORCE_MOVE,
                [target, c.addr("bank-itau"), ITAU, 550_000, "TJSP 123-45.2026"],
            ),
            c.tx("regulator", TxType.UNLOCK, [target, ITAU, 60_000, 9]),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.INVALID_AMOUNT]
    assert "court-order TJSP 123-45.2026" in r.receipts[1].flags[0]
    acc = c.account("client-itau-0")
    assert acc.balances[ITAU] == 50_000 and acc.locked[ITAU] == 50_000 and acc.free(ITAU) == 0


def test_committee_change_by_the_authority(c: Chain) -> None:
    members = [["v1", bytes(range(32)), 1, "127.0.0.1:1"]]
    r = c.commit(
        [
            c.tx("bank-itau", TxType.COMMITTEE_CHANGE, [1, members]),
            c.tx("authority", TxType.COMMITTEE_CHANGE, [1, members]),
            c.tx("authority", TxType.COMMITTEE_CHANGE, [1, members]),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.BAD_COMMITTEE]


def test_settlement_records_encode_every_field_in_declaration_order() -> None:
    """The hand-written encoders list every field, in order (the stored format)."""
    from dataclasses import astuple

    from drex_node.ledger.settlement import DvpOp, Proposal

    p = Proposal(b"a" * 32, b"b" * 32, "BRL", 5, "TPF", 7, 9, 11, 1)
    d = DvpOp(b"a" * 32, b"b" * 32, 1, "TPF", 3, "BRL", 8, 12, 2)
    for rec in (p, d):
        assert rec.encode() == msgpack.packb(list(astuple(rec)), use_bin_type=True)
        assert type(rec).decode(rec.encode()) == rec


# ------------------------------------------------------------ amount cap
@pytest.mark.parametrize("backend", ["memory", "rocksdb"])
def test_balances_and_supply_counters_stop_at_the_largest_encodable_amount(
    backend: str, tmp_path: object
) -> None:
    """Every amount the ledger stores is a msgpack unsigned integer (< 2^64): a mint or a
    swap that would push a balance or a supply counter past it is refused with OVERFLOW,
    and the block still encodes and commits (a larger cap once let such a block fail)."""
    from pathlib import Path

    from drex_node.ledger.codes import MAX_AMOUNT
    from drex_node.storage.rocks import RocksStore

    store = MemoryStore() if backend == "memory" else RocksStore(Path(str(tmp_path)) / "db")
    c = Chain(store, drex=True)
    minted, _burned = supply(c, BB)
    room = MAX_AMOUNT - minted
    r = c.commit(
        [
            c.tx("bank-bb", TxType.MINT, [c.addr("bank-bb"), BB, room + 1]),  # past the cap
            c.tx("bank-bb", TxType.MINT, [c.addr("bank-bb"), BB, room - 300]),
            c.tx("bank-bb", TxType.MINT, [c.addr("bank-bb"), BB, 300]),  # exactly the cap
        ]
    )
    assert reasons(r) == [Reason.OVERFLOW, Reason.OK, Reason.OK]
    assert supply(c, BB)[0] == MAX_AMOUNT
    before = (c.balance("client-itau-0", ITAU), c.balance("client-bb-0", BB), supply(c, ITAU))
    r = c.commit([c.tx("client-itau-0", TxType.SWAP, [c.addr("client-bb-0"), ITAU, BB, 1])])
    assert reasons(r) == [Reason.OVERFLOW]
    assert "supply cap" in r.receipts[0].detail
    after = (c.balance("client-itau-0", ITAU), c.balance("client-bb-0", BB), supply(c, ITAU))
    assert after == before
    assert c.height == 2
