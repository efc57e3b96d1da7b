"""Execution scenarios: every transaction type, its permissions and its failure paths."""

from __future__ import annotations

import pytest

from drex_node.ledger.codes import AccountStatus, Reason, TxType
from drex_node.ledger.commit import block_receipts, load_block, receipt
from drex_node.ledger.state import StateView
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain


@pytest.fixture
def chain() -> Chain:
    return Chain(MemoryStore())


def reasons(result: object) -> list[Reason]:
    return [r.reason for r in result.receipts]  # type: ignore[attr-defined]


def test_same_partition_transfer(chain: Chain) -> None:
    r = chain.commit([chain.transfer("user-N-0", "user-N-1", 10)])
    assert reasons(r) == [Reason.OK]
    assert chain.balance("user-N-0") == 999_990
    assert chain.balance("user-N-1") == 1_000_010
    assert chain.account("user-N-0").nonce == 1


def test_cross_partition_transfer_debits_then_credits(chain: Chain) -> None:
    r = chain.commit([chain.transfer("user-N-0", "user-SE-0", 10)])
    assert reasons(r) == [Reason.OK]
    assert chain.balance("user-SE-0") == 1_000_010


def test_cross_partition_credit_refused_is_refunded(chain: Chain) -> None:
    freeze = chain.tx("regulator", TxType.FREEZE, [chain.addr("user-SE-0"), 7])
    chain.commit([freeze])
    r = chain.commit([chain.transfer("user-N-0", "user-SE-0", 10)])
    assert reasons(r) == [Reason.CREDIT_REFUSED]
    assert "refunded" in r.receipts[0].detail
    assert chain.balance("user-N-0") == 1_000_000
    assert chain.balance("user-SE-0") == 1_000_000
    assert chain.account("user-N-0").nonce == 1  # the transaction is final


def test_transfer_failures(chain: Chain) -> None:
    txs = [
        chain.transfer("user-N-0", "user-N-1", 2_000_000),  # insufficient
        chain.transfer("user-N-0", "user-N-0", 1),  # self
        chain.tx("user-N-0", TxType.TRANSFER, [bytes(32), "DREX", 1, b""]),  # unknown receiver
        chain.transfer("user-N-0", "user-N-1", 1, asset="NOPE"),
    ]
    r = chain.commit(txs)
    assert reasons(r) == [
        Reason.INSUFFICIENT_FUNDS,
        Reason.SELF_TRANSFER,
        Reason.UNKNOWN_ACCOUNT,
        Reason.UNKNOWN_ASSET,
    ]
    assert chain.balance("user-N-0") == 1_000_000
    assert chain.account("user-N-0").nonce == 4  # consumed: each was final


def test_replay_and_nonce_gap_and_expiry(chain: Chain) -> None:
    t1 = chain.transfer("user-N-0", "user-N-1", 1)
    r = chain.commit([t1, t1])
    assert reasons(r) == [Reason.OK, Reason.NONCE_REPLAY]
    assert reasons(chain.commit([t1])) == [Reason.NONCE_REPLAY]
    gap = chain.transfer("user-N-0", "user-N-1", 1, nonce=9)
    late = chain.transfer("user-N-0", "user-N-1", 1, nonce=2, expiry=1)
    r = chain.commit([gap, late])
    assert reasons(r) == [Reason.NONCE_GAP, Reason.EXPIRED]
    assert chain.balance("user-N-1") == 1_000_001
    # the applied receipt is never overwritten by a replay's rejection
    rec = receipt(chain.store, r.receipts[0].tx_hash)
    assert rec is not None
    first = receipt(chain.store, block_receipts(chain.store, 1)[0].tx_hash)
    assert first is not None and first.reason is Reason.OK and first.height == 1


@pytest.mark.parametrize(
    ("raw_factory", "expected"),
    [
        (lambda c: b"\x00garbage", Reason.MALFORMED),
        (lambda c: c.transfer("user-N-0", "user-N-1", 1)[:-3], Reason.MALFORMED),
        (lambda c: c.transfer("user-N-0", "user-N-1", 1, chain_id="other"), Reason.WRONG_CHAIN),
        (lambda c: c.transfer("user-N-0", "user-N-1", 1)[:-1] + b"\x00", Reason.BAD_SIGNATURE),
        (lambda c: c.transfer("user-N-0", "user-N-1", 1, expiry=0), Reason.EXPIRED),
    ],
)
def test_rejections_change_no_state(chain: Chain, raw_factory: object, expected: Reason) -> None:
    raw = raw_factory(chain)  # type: ignore[operator]
    r = chain.execute([raw])
    assert reasons(r) == [expected]
    assert r.writes == {}, "a rejected transaction wrote state"


def test_replay_changes_no_state(chain: Chain) -> None:
    t1 = chain.transfer("user-N-0", "user-N-1", 1)
    chain.commit([t1])
    r = chain.execute([t1])
    assert reasons(r) == [Reason.NONCE_REPLAY]
    assert r.writes == {}


def test_create_account_by_tier1_only(chain: Chain) -> None:
    from drex_node.genesis.dev import key

    new = key("new-user")
    ok = chain.tx("bank-SE", TxType.CREATE_ACCOUNT, [new.pubkey, "SE", 1, 0])
    by_user = chain.tx("user-N-0", TxType.CREATE_ACCOUNT, [key("x").pubkey, "SE", 1, 0])
    flags = chain.tx("bank-SE", TxType.CREATE_ACCOUNT, [key("y").pubkey, "SE", 1, 2])
    again = chain.tx("bank-N", TxType.CREATE_ACCOUNT, [new.pubkey, "N", 1, 0])
    part = chain.tx("bank-N", TxType.CREATE_ACCOUNT, [key("z").pubkey, "MARS", 1, 0])
    r = chain.commit([ok, by_user, flags, again, part])
    assert reasons(r) == [
        Reason.OK,
        Reason.UNAUTHORIZED,
        Reason.UNAUTHORIZED,
        Reason.ACCOUNT_EXISTS,
        Reason.UNKNOWN_PARTITION,
    ]
    acc = StateView(chain.store).account(new.address)
    assert acc is not None and acc.partition == "SE" and acc.kyc_tier == 1


def test_new_account_can_receive_and_send_in_the_same_block(chain: Chain) -> None:
    from drex_node.genesis.dev import key

    new = key("fresh")
    chain.keys["fresh"] = new
    txs = [
        chain.tx("bank-SE", TxType.CREATE_ACCOUNT, [new.pubkey, "SE", 1, 0]),
        chain.transfer("user-SE-0", "fresh", 50),
        chain.transfer("fresh", "user-N-0", 20),
    ]
    assert reasons(chain.commit(txs)) == [Reason.OK] * 3
    assert chain.balance("fresh") == 30


def test_mint_and_burn_issuer_only(chain: Chain) -> None:
    r = chain.commit(
        [
            chain.tx("bank-SE", TxType.MINT, [chain.addr("user-SE-0"), "BRL@bank-SE", 500]),
            chain.tx("bank-N", TxType.MINT, [chain.addr("user-SE-0"), "BRL@bank-SE", 500]),
            chain.tx("bank-SE", TxType.BURN, ["BRL@bank-SE", 1]),
            chain.tx("authority", TxType.MINT, [chain.addr("bank-SE"), "BRL@bank-SE", 5]),
        ]
    )
    assert reasons(r) == [
        Reason.OK,
        Reason.UNAUTHORIZED,
        Reason.INSUFFICIENT_FUNDS,
        Reason.UNAUTHORIZED,
    ]
    assert chain.balance("user-SE-0", "BRL@bank-SE") == 500
    view = StateView(chain.store)
    assert view.supply("BRL@bank-SE") == (500, 0)
    chain.commit(
        [
            chain.tx("bank-SE", TxType.MINT, [chain.addr("bank-SE"), "BRL@bank-SE", 9]),
            chain.tx("bank-SE", TxType.BURN, ["BRL@bank-SE", 4]),
        ]
    )
    assert StateView(chain.store).supply("BRL@bank-SE") == (509, 4)


def test_freeze_blocks_sending_and_unfreeze_restores(chain: Chain) -> None:
    r = chain.commit(
        [
            chain.tx("user-N-1", TxType.FREEZE, [chain.addr("user-N-0"), 1]),
            chain.tx("authority", TxType.FREEZE, [chain.addr("user-N-0"), 1]),
            chain.transfer("user-N-0", "user-N-1", 1),
        ]
    )
    assert reasons(r) == [Reason.UNAUTHORIZED, Reason.OK, Reason.ACCOUNT_FROZEN]
    assert chain.account("user-N-0").status == AccountStatus.FROZEN
    chain.commit([chain.tx("regulator", TxType.UNFREEZE, [chain.addr("user-N-0"), 1])])
    assert reasons(chain.commit([chain.transfer("user-N-0", "user-N-1", 1)])) == [Reason.OK]


def test_settle_is_all_or_nothing(chain: Chain) -> None:
    a, b = chain.addr("user-SE-0"), chain.addr("user-SE-1")
    chain.commit([chain.tx("bank-SE", TxType.MINT, [b, "BRL@bank-SE", 100])])
    dvp = chain.tx(
        "user-SE-0",
        TxType.SETTLE,
        [[[a, b, "DREX", 70], [b, a, "BRL@bank-SE", 100]]],
        cosigners=["user-SE-1"],
    )
    too_much = chain.tx(
        "user-SE-0",
        TxType.SETTLE,
        [[[a, b, "DREX", 1], [b, a, "BRL@bank-SE", 1]]],
        cosigners=["user-SE-1"],
    )
    unsigned = chain.tx("user-SE-0", TxType.SETTLE, [[[a, b, "DREX", 1], [b, a, "BRL@bank-SE", 1]]])
    r = chain.commit([dvp, too_much, unsigned])
    assert reasons(r) == [Reason.OK, Reason.INSUFFICIENT_FUNDS, Reason.MISSING_SIGNATURE]
    assert chain.balance("user-SE-0", "BRL@bank-SE") == 100
    assert chain.balance("user-SE-1", "DREX") == 1_000_070
    assert chain.balance("user-SE-0", "DREX") == 999_930


def test_cross_partition_settle_runs_as_a_barrier(chain: Chain) -> None:
    a, b = chain.addr("user-N-0"), chain.addr("user-S-0")
    first = chain.transfer("user-N-0", "user-N-1", 1)
    dvp = chain.tx(
        "user-N-0", TxType.SETTLE, [[[a, b, "DREX", 5], [b, a, "DREX", 3]]], cosigners=["user-S-0"]
    )
    r = chain.commit([first, dvp, chain.transfer("user-N-0", "user-N-1", 1)])
    assert reasons(r) == [Reason.OK] * 3
    assert chain.balance("user-N-0") == 1_000_000 - 2 - 2
    assert chain.balance("user-S-0") == 1_000_002


def test_policy_update_authority_only_and_effective_height(chain: Chain) -> None:
    upd = chain.tx("authority", TxType.POLICY_UPDATE, ["tier-limits", [["tx.1", 50]], 3])
    bad = chain.tx("user-N-0", TxType.POLICY_UPDATE, ["tier-limits", [["tx.1", 50]], 3])
    unknown = chain.tx("authority", TxType.POLICY_UPDATE, ["nope", [], 5])
    params = chain.tx("authority", TxType.POLICY_UPDATE, ["tier-limits", [["bogus", 1]], 5])
    late = chain.tx("authority", TxType.POLICY_UPDATE, ["tier-limits", [["tx.1", 5]], 1])
    r = chain.commit([upd, bad, unknown, params, late])
    assert reasons(r) == [
        Reason.OK,
        Reason.UNAUTHORIZED,
        Reason.UNKNOWN_POLICY,
        Reason.BAD_POLICY_PARAMS,
        Reason.TOO_LATE,
    ]
    assert reasons(chain.commit([chain.transfer("user-N-0", "user-N-1", 60)])) == [Reason.OK]
    r = chain.commit(
        [chain.transfer("user-N-0", "user-N-1", 60), chain.transfer("user-N-0", "user-N-1", 50)]
    )  # height 3: in force
    assert reasons(r) == [Reason.POLICY_REJECTED, Reason.OK]
    assert "tier-limits" in r.receipts[0].detail


def test_every_transaction_gets_a_receipt_and_blocks_are_stored(chain: Chain) -> None:
    txs = [chain.transfer("user-N-0", "user-N-1", 1), b"x", b""]
    r = chain.commit(txs)
    assert [x.index for x in r.receipts] == [0, 1, 2]
    assert block_receipts(chain.store, 1) == list(r.receipts)
    blk = load_block(chain.store, 1)
    assert blk is not None and blk.txs == tuple(txs)


def test_block_at_wrong_height_is_a_caller_error(chain: Chain) -> None:
    from drex_node.ledger.execute import Block, apply_block

    with pytest.raises(ValueError, match="next height"):
        apply_block(chain.store, Block(5, 0, ()), registry=chain.registry)


def test_same_body_from_two_senders_is_two_transactions(chain: Chain) -> None:
    from drex_node.ledger.tx import build

    to = chain.addr("user-N-2")
    a = build(
        chain.chain_id, TxType.TRANSFER, [to, "DREX", 5, b""], 1, 50, [chain.key("user-N-0").seed]
    )
    b = build(
        chain.chain_id, TxType.TRANSFER, [to, "DREX", 5, b""], 1, 50, [chain.key("user-N-1").seed]
    )
    r = chain.commit([a, b])
    assert reasons(r) == [Reason.OK, Reason.OK]
    assert r.receipts[0].tx_hash != r.receipts[1].tx_hash
    for rec in r.receipts:
        stored = receipt(chain.store, rec.tx_hash)
        assert stored is not None and stored.index == rec.index


def test_signature_verdicts_by_index_equal_a_verdict_callable(chain: Chain) -> None:
    """``sig_flags`` (one verdict per transaction, as a verifier pool returns them) gives
    the same result as ``sig_ok``; a wrong count is a caller error."""
    from drex_node.ledger.execute import Block, apply_block
    from drex_node.ledger.tx import decode

    txs = [chain.transfer("user-N-0", "user-S-1", 5), b"\x00garbage"]
    txs.append(chain.transfer("user-N-1", "user-N-2", 7))
    block = Block(chain.height + 1, 1000, tuple(txs))
    bad = decode(txs[2]).hash
    by_callable = apply_block(
        chain.store, block, registry=chain.registry, sig_ok=lambda tx: tx.hash != bad
    )
    by_flags = apply_block(chain.store, block, registry=chain.registry, sig_flags=b"\x01\x00\x00")
    assert by_flags.receipts == by_callable.receipts
    assert by_flags.state_root == by_callable.state_root
    assert by_flags.receipts[2].reason is Reason.BAD_SIGNATURE
    with pytest.raises(ValueError, match="verdicts"):
        apply_block(chain.store, block, registry=chain.registry, sig_flags=b"\x01")
