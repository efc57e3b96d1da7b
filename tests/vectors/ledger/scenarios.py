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


SCENARIOS: dict[str, Scenario] = {
    "transfers": transfers,
    "administration": administration,
    "settlement": settlement,
}


def record(name: str) -> dict[str, Any]:
    c = Chain(MemoryStore())
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
