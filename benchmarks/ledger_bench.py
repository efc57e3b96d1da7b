"""`drex-bench ledger`: decode + Ed25519 verification + execution + synced RocksDB commit.

Signed transfers spread over the partitions are run in blocks (default 1,000) through
the full node path on a real RocksDB. The main process decodes blocks a few ahead
(``--lookahead``) and hands their signatures to one verifier process per core, running
at a lower scheduling priority; it executes each block once its signatures are checked
and commits it with a synced write batch. The verifiers take whatever CPU the main
process leaves, so both cores stay busy (ADR 0004). The figure of merit is

    ratio_to_sig_bound = tx_per_s / (ed25519_verify_per_s_per_core * cores)

with the single-core verification rate measured in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from collections import deque
from typing import Any

from drex_node.genesis import init_store, parse_genesis
from drex_node.genesis.dev import DREX_BANKS, DREX_BONDS, dev_genesis, drex_genesis
from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.commit import commit_block
from drex_node.ledger.execute import Block, apply_block
from drex_node.ledger.sigbatch import pack_jobs, verify_packed
from drex_node.ledger.tx import Tx, TxDecodeError, body_hash, decode, encode_body
from drex_node.policy.host import load_registry
from drex_node.runtime.verifiers import VerifierProcesses
from drex_node.storage.cache import CachedStore
from drex_node.storage.rocks import RocksStore
from drex_node.tuning import lower_priority, tune_gc

PARTITIONS = ("N", "NE", "CO", "SE", "S")
# chunks per verifier per block: the verifiers take chunks from one queue, and smaller
# chunks let the one that shares a core with the executor take fewer (ADR 0006)
CHUNKS_PER_CORE = 4


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--txs", type=int, default=50_000, help="number of transactions")
    p.add_argument("--block-size", type=int, default=1_000)
    p.add_argument("--accounts", type=int, default=2_000, help="accounts per partition")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--no-plain",
        action="store_true",
        help="with --mix drex: skip the plain-transfer run reported beside the mix",
    )
    p.add_argument(
        "--lookahead", type=int, default=3, help="blocks decoded and verifying ahead of execution"
    )
    p.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep verifier k on CPU k (the main process stays free to run anywhere); "
        "unpinned, both verifiers sometimes shared one core for a whole run (ADR 0006)",
    )
    p.add_argument(
        "--mix",
        choices=["plain", "drex"],
        default="plain",
        help="plain transfers, or the DREX mix: transfers, swaps, two-step, bond DvP",
    )


def _progress(msg: str) -> None:
    print(f"[drex-bench ledger] {msg}", file=sys.stderr, flush=True)


Spec = tuple[bytes, int, list[Any], int]  # seed, type, fields, nonce


def _sign_chunk(args: tuple[str, list[Spec], int]) -> list[bytes]:
    from drex_node.ledger.codes import TxType
    from drex_node.ledger.tx import build

    chain_id, items, expiry = args
    return [
        build(chain_id, TxType(t), fields, nonce, expiry, [seed])
        for seed, t, fields, nonce in items
    ]


def measure_verify_rate(samples: list[bytes], seconds: float = 1.5) -> float:
    """Single-core Ed25519 verifications per second (libsodium via PyNaCl), through the
    same function the verifier processes run (:func:`verify_packed`)."""
    decoded = [decode(s) for s in samples]
    blob = pack_jobs(decoded)
    per_round = sum(len(t.signatures) for t in decoded)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        verify_packed(blob)
        n += per_round
    return n / (time.perf_counter() - start)


def _plain_plan(args: argparse.Namespace) -> tuple[dict[str, Any], list[Spec]]:
    doc, keys = dev_genesis(
        chain_id="drex-bench", partitions=PARTITIONS, users_per_partition=args.accounts
    )
    users = [k for name, k in sorted(keys.items()) if name.startswith("user-")]
    rng = random.Random(args.seed)
    nonces: dict[bytes, int] = {}
    plan: list[Spec] = []
    for _ in range(args.txs):
        src, dst = rng.sample(users, 2)
        nonces[src.seed] = nonces.get(src.seed, 0) + 1
        fields = [dst.address, "DREX", rng.randrange(1, 100), b""]
        plan.append((src.seed, int(TxType.TRANSFER), fields, nonces[src.seed]))
    return doc, plan


def _drex_plan(args: argparse.Namespace) -> tuple[dict[str, Any], list[Spec]]:
    """The DREX mix: 40% token transfers within a bank, 25% interbank swaps, 20% two-step
    settlements (propose + accept), 15% bond DvP (two legs)."""
    per_bank = max(2, args.accounts * len(PARTITIONS) // len(DREX_BANKS))
    doc, keys = drex_genesis(chain_id="drex-bench", clients_per_bank=per_bank)
    rng = random.Random(args.seed)
    nonces: dict[bytes, int] = {}
    plan: list[Spec] = []

    def add(seed: bytes, t: TxType, fields: list[Any]) -> int:
        nonces[seed] = nonces.get(seed, 0) + 1
        plan.append((seed, int(t), fields, nonces[seed]))
        return nonces[seed]

    banks = [(b, f"BRL@{cnpj}") for b, cnpj, _p in DREX_BANKS]
    bond = DREX_BONDS[0]
    n_ops = 0
    while len(plan) < args.txs:
        n_ops += 1
        roll = rng.random()
        (ba, ta), (bb, tb) = rng.sample(banks, 2)
        ca = keys[f"client-{ba}-{rng.randrange(per_bank)}"]
        cb = keys[f"client-{bb}-{rng.randrange(per_bank)}"]
        if roll < 0.40:
            peer = keys[f"client-{ba}-{rng.randrange(per_bank)}"]
            if peer is not ca:
                add(ca.seed, TxType.TRANSFER, [peer.address, ta, rng.randrange(1, 100), b""])
        elif roll < 0.65:
            add(ca.seed, TxType.SWAP, [cb.address, ta, tb, rng.randrange(1, 100)])
        elif roll < 0.85:
            pa, pb = keys[f"bank-{ba}"], keys[f"bank-{bb}"]
            fields = [pb.address, "BRL", rng.randrange(1, 10_000), bond, 1, 50, 0]
            nonce = add(pa.seed, TxType.PROPOSE, fields)
            body = encode_body("drex-bench", TxType.PROPOSE, fields, nonce, 10**9)
            pid = body_hash(body, [pa.pubkey])
            add(pb.seed, TxType.ACCEPT, [pid])
        else:
            pa, pb = keys[f"bank-{ba}"], keys[f"bank-{bb}"]
            op = f"OP-{n_ops}"
            terms = [bond, 100, "BRL", rng.randrange(1_000, 100_000), 50]
            add(pa.seed, TxType.DVP_LEG, [op, pb.address, 0, *terms])
            add(pb.seed, TxType.DVP_LEG, [op, pa.address, 1, *terms])
    return doc, plan[: args.txs]


def _workload(args: argparse.Namespace, pool: Any) -> tuple[Any, list[bytes]]:
    doc, plan = _drex_plan(args) if args.mix == "drex" else _plain_plan(args)
    chunk = max(1, len(plan) // (4 * args.cores))
    parts = [("drex-bench", plan[i : i + chunk], 10**9) for i in range(0, len(plan), chunk)]
    txs = [t for part in pool.map(_sign_chunk, parts) for t in part]
    return parse_genesis(doc), txs


def _pre(raws: tuple[bytes, ...]) -> list[Tx | TxDecodeError]:
    out: list[Tx | TxDecodeError] = []
    for raw in raws:
        try:
            out.append(decode(raw))
        except TxDecodeError as exc:
            out.append(exc)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One run of the chosen mix; ``--mix drex`` also runs plain transfers after it and
    reports that figure beside its own (same process, same verification rate basis)."""
    result = _run_mix(args)
    if args.mix == "drex" and not args.no_plain:
        plain = _run_mix(argparse.Namespace(**{**vars(args), "mix": "plain"}))
        result["plain_tx_per_s"] = plain["tx_per_s"]
        result["plain_ratio_to_sig_bound"] = plain["ratio_to_sig_bound"]
        result["mix_to_plain"] = round(result["tx_per_s"] / plain["tx_per_s"], 3)
    return result


def _run_mix(args: argparse.Namespace) -> dict[str, Any]:
    cores = args.cores
    ctx = mp.get_context("fork")
    _progress(f"signing {args.txs} transactions ({args.mix} mix)")
    with ctx.Pool(cores) as pool:
        genesis, txs = _workload(args, pool)
    # One verifier process per core, at a lower scheduling priority: the main process
    # (decode, execute, commit) gets a core whenever it has work, the verifiers take all
    # the CPU it leaves, so both cores stay busy whichever side is ahead (ADR 0004). The
    # main thread feeds them through pipes itself (no pool threads competing for the GIL).
    with (
        VerifierProcesses(cores, init=lower_priority, pin=args.pin) as verifiers,
        tempfile.TemporaryDirectory(prefix="drex-bench-") as tmp,
    ):
        registry = load_registry()
        store = CachedStore(RocksStore(os.path.join(tmp, "db")))
        init_store(store, genesis, registry)
        state = store
        _progress("measuring single-core Ed25519 verification")
        verify_rate = measure_verify_rate(txs[:2000])
        blocks = [
            Block(h + 1, (h + 1) * 500, tuple(txs[i : i + args.block_size]))
            for h, i in enumerate(range(0, len(txs), args.block_size))
        ]
        tune_gc()

        def dispatch(block: Block) -> tuple[list[Tx | TxDecodeError], list[int]]:
            pre = _pre(block.txs)
            ok = [t for t in pre if type(t) is Tx]
            step = max(1, -(-len(ok) // (CHUNKS_PER_CORE * cores)))
            chunks = [pack_jobs(ok[i : i + step]) for i in range(0, len(ok), step)]
            return pre, [verifiers.submit(c) for c in chunks]

        _progress(f"running {len(blocks)} blocks of {args.block_size}")
        applied = 0
        waited = 0.0
        by_type: dict[str, int] = {}
        start = time.perf_counter()
        cpu0 = time.process_time()
        ahead: deque[tuple[list[Tx | TxDecodeError], list[int]]] = deque()
        for block in blocks[: args.lookahead]:
            ahead.append(dispatch(block))
        for i, block in enumerate(blocks):
            pre, pending = ahead.popleft()
            if i + args.lookahead < len(blocks):
                ahead.append(dispatch(blocks[i + args.lookahead]))
            t_wait = time.perf_counter()
            flags = b"".join(map(verifiers.result, pending))
            waited += time.perf_counter() - t_wait
            if len(flags) != len(pre):  # undecodable ones were not sent: no verdict
                it = iter(flags)
                flags = bytes(next(it) if isinstance(t, Tx) else 0 for t in pre)
            result = apply_block(state, block, registry=registry, decoded=pre, sig_flags=flags)
            commit_block(store, block, result, sync=True)
            applied += sum(1 for r in result.receipts if r.reason is Reason.OK)
        elapsed = time.perf_counter() - start
        main_cpu = time.process_time() - cpu0
        for raw in txs:  # outside the timed loop: reporting only
            t = decode(raw)
            by_type[t.type.name] = by_type.get(t.type.name, 0) + 1
        store.close()
    tx_per_s = len(txs) / elapsed
    return {
        "suite": "ledger",
        "mix": args.mix,
        "txs": len(txs),
        "applied": applied,
        "tx_types": by_type,
        "blocks": len(blocks),
        "block_size": args.block_size,
        "partitions": len(PARTITIONS),
        "cores": cores,
        "elapsed_s": round(elapsed, 3),
        "tx_per_s": round(tx_per_s, 1),
        "ed25519_verify_per_s_per_core": round(verify_rate, 1),
        "ratio_to_sig_bound": round(tx_per_s / (verify_rate * cores), 3),
        "main_process_cpu_us_per_tx": round(main_cpu / len(txs) * 1e6, 1),
        # what the ratio would be with both cores always busy: one verification against
        # one verification plus the main process's CPU per transaction (a diagnostic that
        # load from other processes disturbs less than the wall-clock ratio)
        "cpu_bound_ratio": round((1 / verify_rate) / (1 / verify_rate + main_cpu / len(txs)), 3),
        "main_waited_s": round(waited, 3),
        "verifier_processes": cores,
        "verifiers_pinned": args.pin,
        "lookahead_blocks": args.lookahead,
        "storage": "rocksdb behind a write-through read cache (synced write batch per block)",
    }
