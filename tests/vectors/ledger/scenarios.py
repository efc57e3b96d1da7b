"""Ledger scenarios recorded as replayable vectors (pre / steps / post).

``python -m tests.vectors.ledger.scenarios --write`` regenerates the JSON files in
this directory; the test suite replays every file and also checks that regenerating
gives byte-identical files (Ed25519 signatures are deterministic).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drex_node.ledger.codes import TxType
from drex_node.ledger.tx import decode
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain

HERE = Path(__file__).resolve().parent
Scenario = Callable[[Chain], list[list[bytes]]]


def transfers(c: Chain) -> list[list[bytes]]:
    t1 = c.transfer("user-N-0", "user-N-1", 250)
    return [
        [t1, c.transfer("user-N-0", "user-SE-0", 100), c.transfer("user-SE-0", "user-S-1", 7)],
        [
            t1,  # replay
            b"\xc1garbage",
            c.transfer("user-N-0", "user-N-1", 1)[:-2],  # truncated
            c.transfer("user-N-0", "user-N-1", 1, chain_id="other-chain"),
            c.transfer("user-N-0", "user-N-1", 1, expiry=1),  # expired at height 2
            c.transfer("user-N-0", "user-N-1", 10**9, nonce=3),  # insufficient funds
        ],
    ]


def administration(c: Chain) -> list[list[bytes]]:
    from drex_node.genesis.dev import key

    new = key("vector-new-account")
    return [
        [
            c.tx("bank-SE", TxType.CREATE_ACCOUNT, [new.pubkey, "SE", 2, 0]),
            c.tx("bank-SE", TxType.MINT, [new.address, "BRL@bank-SE", 5_000]),
            c.tx("bank-N", TxType.MINT, [new.address, "BRL@bank-SE", 5_000]),  # not issuer
            c.tx("regulator", TxType.FREEZE, [c.addr("user-CO-0"), 3]),
            c.transfer("user-CO-0", "user-CO-1", 1),  # frozen sender
        ],
        [
            c.tx("authority", TxType.POLICY_UPDATE, ["tier-limits", [["tx.1", 500]], 3]),
            c.tx("user-N-0", TxType.POLICY_UPDATE, ["tier-limits", [["tx.1", 1]], 3]),
            c.tx("regulator", TxType.UNFREEZE, [c.addr("user-CO-0"), 3]),
        ],
        [c.transfer("user-CO-0", "user-CO-1", 501), c.transfer("user-CO-0", "user-CO-1", 500)],
    ]


def settlement(c: Chain) -> list[list[bytes]]:
    a, b = c.addr("user-SE-0"), c.addr("user-SE-1")
    return [
        [c.tx("bank-SE", TxType.MINT, [b, "BRL@bank-SE", 1_000])],
        [
            c.tx(
                "user-SE-0",
                TxType.SETTLE,
                [[[a, b, "DREX", 900], [b, a, "BRL@bank-SE", 1_000]]],
                cosigners=["user-SE-1"],
            ),
            c.tx(
                "user-SE-0",
                TxType.SETTLE,
                [[[a, b, "DREX", 1], [b, a, "BRL@bank-SE", 1]]],
                cosigners=["user-SE-1"],
            ),  # b has nothing left: all or nothing
            c.tx("user-SE-0", TxType.SETTLE, [[[b, a, "DREX", 1]]]),  # b did not sign
        ],
    ]


ITAU, BB, BRADESCO = "BRL@60701190", "BRL@00000000", "BRL@60746948"
BOND = "TPF/LTN/100000/2027-01-01"


def interbank_swap(c: Chain) -> list[list[bytes]]:
    payee = c.addr("client-bb-0")
    return [
        [
            c.tx("client-itau-0", TxType.SWAP, [payee, ITAU, BB, 25_000]),
            c.tx("client-itau-0", TxType.SWAP, [payee, ITAU, BRADESCO, 1]),  # payee not enabled
            c.tx("client-itau-0", TxType.SWAP, [payee, ITAU, BB, 10**12]),  # insufficient
            c.tx("authority", TxType.PAUSE, [BB]),
            c.tx("client-itau-1", TxType.SWAP, [payee, ITAU, BB, 5]),  # paused asset
            c.transfer("bank-itau", "client-itau-0", 5, asset="BRL"),  # wholesale: not enabled
        ]
    ]


def two_step(c: Chain) -> list[list[bytes]]:
    bb = c.addr("bank-bb")
    p1 = c.tx("bank-itau", TxType.PROPOSE, [bb, "BRL", 1_000, BOND, 10, 5, 0])
    p2 = c.tx("bank-itau", TxType.PROPOSE, [bb, "BRL", 2_000, "", 0, 2, 0])
    p3 = c.tx("bank-itau", TxType.PROPOSE, [bb, "BRL", 3_000, "", 0, 0, 1_500])
    from drex_node.ledger.tx import decode

    h1, h2 = decode(p1).hash, decode(p2).hash
    return [
        [p1, p2, p3],
        [
            c.tx("bank-caixa", TxType.ACCEPT, [h1]),  # not the counterparty
            c.tx("bank-bb", TxType.CANCEL, [h1, 2]),  # cancelled by the wrong party
            c.tx("bank-bb", TxType.ACCEPT, [h1]),
            c.tx("bank-itau", TxType.CANCEL, [h1, 2]),  # already settled
        ],
        [],  # height 3: p2 expires (blocks), p3 expires (time)
        [c.tx("bank-bb", TxType.ACCEPT, [h2])],  # expired
    ]


def bond_dvp(c: Chain) -> list[list[bytes]]:
    def leg(who: str, cp: str, side: int, op: str, qty: int = 500) -> bytes:
        return c.tx(who, TxType.DVP_LEG, [op, c.addr(cp), side, BOND, qty, "BRL", 48_000, 3])

    return [
        [leg("bank-itau", "bank-bb", 0, "SEL-0001"), leg("bank-bradesco", "bank-bb", 0, "SEL-2")],
        [
            leg("bank-bb", "bank-itau", 1, "SEL-0001", qty=499),  # mismatched legs
            leg("bank-caixa", "bank-itau", 1, "SEL-0001"),  # third party reusing the id
            leg("bank-itau", "bank-bb", 0, "SEL-0001"),  # duplicate operation id
            leg("bank-bb", "bank-itau", 1, "SEL-0001"),  # match: settles
            c.tx("bank-bb", TxType.DVP_CANCEL, ["SEL-2", c.addr("bank-bradesco")]),  # not initiator
        ],
        [],
        [],  # height 4: SEL-2 expires
    ]


def locks_and_court_orders(c: Chain) -> list[list[bytes]]:
    t = c.addr("client-itau-0")
    return [
        [
            c.tx("regulator", TxType.LOCK, [t, ITAU, 700_000, 11]),
            c.transfer("client-itau-0", "client-itau-1", 400_000, asset=ITAU),  # locked funds
            c.transfer("client-itau-0", "client-itau-1", 300_000, asset=ITAU),
            c.tx(
                "authority",
                TxType.FORCE_MOVE,
                [t, c.addr("bank-itau"), ITAU, 650_000, "TJSP 0001234-56.2026"],
            ),
            c.tx("regulator", TxType.UNLOCK, [t, ITAU, 50_000, 11]),
        ],
        [
            c.transfer("client-itau-1", "client-itau-2", 1, asset=ITAU, op_id=b"ord-7"),
            c.transfer("client-itau-1", "client-itau-2", 1, asset=ITAU, op_id=b"ord-7"),
        ],
    ]


SCENARIOS: dict[str, Scenario] = {
    "transfers": transfers,
    "administration": administration,
    "settlement": settlement,
    "interbank_swap": interbank_swap,
    "two_step": two_step,
    "bond_dvp": bond_dvp,
    "locks_and_court_orders": locks_and_court_orders,
}
DREX_MODEL = {"interbank_swap", "two_step", "bond_dvp", "locks_and_court_orders"}


def record(name: str) -> dict[str, Any]:
    c = Chain(MemoryStore(), drex=name in DREX_MODEL)
    doc: dict[str, Any] = {
        "scenario": name,
        "format": "drex ledger vector v1: pre (genesis), steps (blocks), post (root)",
        "pre": {"genesis": c.doc, "genesis_root": c.genesis_root.hex()},
        "steps": [],
    }
    for txs in SCENARIOS[name](c):
        result = c.commit(txs)
        step = {
            "height": result.height,
            "time_ms": 1000 * result.height,
            "txs": [],
            "state_root": result.state_root.hex(),
            "events": [{"hash": e.tx_hash.hex(), "detail": e.detail} for e in result.events],
        }
        for raw, r in zip(txs, result.receipts, strict=True):
            entry: dict[str, Any] = {"bytes": raw.hex(), "hash": r.tx_hash.hex()}
            try:
                tx = decode(raw)
                entry["signatures"] = [[pk.hex(), sig.hex()] for pk, sig in tx.signatures]
            except Exception:  # noqa: S110 - undecodable on purpose
                pass
            entry["receipt"] = {
                "reason": r.reason.name,
                "code": int(r.reason),
                "detail": r.detail,
                "flags": list(r.flags),
            }
            step["txs"].append(entry)
        doc["steps"].append(step)
    doc["post"] = {"height": c.height, "state_root": c.root.hex()}
    return doc


def render(name: str) -> str:
    return json.dumps(record(name), indent=1, sort_keys=True) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    for name in SCENARIOS:
        path = HERE / f"{name}.json"
        if args.write:
            path.write_text(render(name))
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
