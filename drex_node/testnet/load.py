"""Open-loop load: signed transfers at a fixed rate through the entry points (tier2, edge).

Every user keeps at most one transaction in flight (so its nonces commit in order); a
transaction is due every 1/rate seconds and goes to the user that has been idle longest.
Commits are observed on one node's block stream; latency is submit -> block seen
committed.

The transactions a run will need are signed before its clock starts (``presign``):
clients of a real network sign on their own machines, and a generator that signs on the
cores it measures takes CPU from the nodes (ADR 0085). A transaction whose nonce no
longer fits (a refusal or rejection moved its user's nonce back) is signed when sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
import msgpack
import nacl.bindings

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc
from drex_node.genesis.dev import DevKey, key
from drex_node.ledger.codes import TxType
from drex_node.ledger.receipts import Receipt
from drex_node.ledger.tx import SIG_DOMAIN, body_hash, encode_body
from drex_node.net.channel import secure_channel
from drex_node.security.store import load_credentials
from drex_node.testnet.layout import Network

PARTITIONS = ("N", "NE", "CO", "SE", "S")
TICK_S = 0.02
RESUBMIT_S = 15.0  # an acknowledged transaction not committed by then goes to another entry
# Pre-signed transactions per user at most, and in all (about 250 bytes each).
PRESIGN_PER_USER = 64
PRESIGN_MAX = 400_000


class LoadError(RuntimeError):
    """A run that cannot start (the network cannot be reached); the message says where."""


@dataclass
class LoadStats:
    """Counters of one run."""

    submitted: int = 0
    committed: int = 0
    rejected: int = 0
    refused: int = 0
    backlog: int = 0
    resubmitted: int = 0
    latencies: list[float] = field(default_factory=list)
    first_submit: float = 0.0
    last_send: float = 0.0  # when the last transaction was handed to a sender
    first_commit: float = 0.0
    last_commit: float = 0.0

    def result(self, rate: float, duration: float) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

        # Commit rate while commits flow (first to last commit): the latency tail of a short
        # run does not dilute it.
        span = max(self.last_commit - self.first_commit, 1e-9)
        return {
            "target_tps": rate,
            "duration_s": duration,
            "submitted": self.submitted,
            "committed": self.committed,
            "rejected": self.rejected,
            "refused": self.refused,
            "not_sent_no_idle_user": self.backlog,
            "resubmitted": self.resubmitted,
            "committed_tps": round(self.committed / span, 1) if self.committed else 0.0,
            # how long sending took: above duration_s, the generator itself fell behind
            "send_s": round(max(self.last_send - self.first_submit, 0.0), 2),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
        }


class LoadGen:
    """Drives one run against a network."""

    def __init__(self, net: Network, seed: int = 1, nonces: dict[int, int] | None = None) -> None:
        """``nonces``: each user's last used nonce, from an earlier run on the same network
        that lost nothing (its ``nonce``); without it they are read from the network."""
        self.net = net
        self.creds = load_credentials(net.operator_dir)
        self.users: list[DevKey] = [
            key(f"{net.chain_id}/user-{p}-{i}")
            for p in PARTITIONS
            for i in range(net.users_per_partition)
        ]
        self._keys = [nacl.bindings.crypto_sign_seed_keypair(u.seed) for u in self.users]
        self.rng = random.Random(seed)
        self.nonce: dict[int, int] = dict(nonces or {})
        self.inflight: dict[bytes, tuple[int, float]] = {}
        # Idle users, longest idle first: the load spreads over the whole pool, so each
        # user's share of a run (what ``presign`` signs ahead) is known in advance.
        self.idle: deque[int] = deque()
        self.presigned: dict[int, deque[tuple[int, bytes]]] = {}
        self.signed_at_send = 0
        self.early: dict[bytes, tuple[Receipt, float]] = {}
        self.sent: dict[bytes, tuple[bytes, int, float]] = {}  # hash -> raw, entry, last try
        self.stats = LoadStats()

    async def _nonces(self, stub: ledger_pb2_grpc.LedgerStub) -> None:
        async def one(i: int) -> None:
            try:
                r = await stub.GetAccount(
                    ledger_pb2.GetAccountRequest(address=self.users[i].address), timeout=10
                )
                self.nonce[i] = r.account.nonce - 1
            except grpc.aio.AioRpcError:
                self.nonce[i] = -1

        for k in range(0, len(self.users), 200):
            await asyncio.gather(*(one(i) for i in range(k, min(k + 200, len(self.users)))))
        self.idle = deque(i for i in range(len(self.users)) if self.nonce[i] >= 0)

    def presign(self, total: int) -> int:
        """Sign ahead what sending ``total`` transactions will take: each idle user's share
        (plus one) with its next nonces, within ``PRESIGN_PER_USER`` and ``PRESIGN_MAX``.
        Returns how many were signed."""
        users = list(self.idle)
        if not users or total <= 0:
            return 0
        per_user = min(PRESIGN_PER_USER, -(-total // len(users)) + 1, PRESIGN_MAX // len(users))
        signed = 0
        for i in users:
            chain: deque[tuple[int, bytes]] = deque()
            for k in range(1, per_user + 1):
                nonce = self.nonce[i] + k
                chain.append((nonce, self._sign(i, nonce)))
            self.presigned[i] = chain
            signed += len(chain)
        return signed

    def _tx(self, i: int) -> bytes:
        self.nonce[i] += 1
        chain = self.presigned.get(i)
        if chain:
            nonce, raw = chain.popleft()
            if nonce == self.nonce[i]:
                return raw
            chain.clear()  # its nonce moved back (refused or rejected): sign from here on
        self.signed_at_send += 1
        return self._sign(i, self.nonce[i])

    def _sign(self, i: int, nonce: int) -> bytes:
        dst = self.users[self.rng.randrange(len(self.users))]
        if dst is self.users[i]:
            dst = self.users[(i + 1) % len(self.users)]
        body = encode_body(
            self.net.chain_id,
            TxType.TRANSFER,
            [dst.address, "DREX", 1, b""],
            nonce,
            10**9,
        )
        pk, sk = self._keys[i]
        sig = nacl.bindings.crypto_sign(SIG_DOMAIN + body_hash(body, [pk]), sk)[:64]
        return bytes(msgpack.packb([body, [[pk, sig]]], use_bin_type=True))

    async def _watch(self, stub: ledger_pb2_grpc.LedgerStub, start: int) -> None:
        async for blk in stub.StreamBlocks(ledger_pb2.StreamBlocksRequest(from_height=start)):
            now = time.monotonic()
            for raw in blk.receipts:
                r = Receipt.decode(raw)
                self.sent.pop(r.tx_hash, None)
                entry = self.inflight.pop(r.tx_hash, None)
                if entry is None:
                    if len(self.early) < 100_000:
                        self.early[r.tx_hash] = (r, now)
                    continue
                self._settle(r, entry, now)

    def _settle(self, r: Receipt, entry: tuple[int, float], now: float) -> None:
        user, t = entry
        if r.applied:
            if not self.stats.committed:
                self.stats.first_commit = now
            self.stats.committed += 1
            self.stats.latencies.append(now - t)
            self.stats.last_commit = now
        else:
            self.stats.rejected += 1
            self.nonce[user] -= 1
        self.idle.append(user)

    async def _resubmit(self, stubs: list[ledger_pb2_grpc.LedgerStub]) -> None:
        """Send again, through the next entry point, what was acknowledged but has not
        committed for RESUBMIT_S (its entry point or validator may have crashed); the
        ledger applies a transaction at most once, so a duplicate is harmless."""
        now = time.monotonic()
        due = [(h, v) for h, v in self.sent.items() if now - v[2] >= RESUBMIT_S]
        per_entry: dict[int, list[bytes]] = {}
        for h, (raw, entry, _) in due[:2000]:
            nxt = (entry + 1) % len(stubs)
            self.sent[h] = (raw, nxt, now)
            per_entry.setdefault(nxt, []).append(raw)
        for i, raws in per_entry.items():
            self.stats.resubmitted += len(raws)
            with contextlib.suppress(grpc.aio.AioRpcError):
                await stubs[i].SubmitBatch(ledger_pb2.SubmitBatchRequest(txs=raws), timeout=15)

    async def _send(
        self, stub: ledger_pb2_grpc.LedgerStub, batch: list[tuple[int, bytes]], entry: int = 0
    ) -> None:
        t = time.monotonic()
        try:
            resp = await stub.SubmitBatch(
                ledger_pb2.SubmitBatchRequest(txs=[tx for _, tx in batch]), timeout=15
            )
        except grpc.aio.AioRpcError:
            for user, _ in batch:
                self.nonce[user] -= 1
                self.idle.append(user)
            self.stats.refused += len(batch)
            return
        for (user, raw), r in zip(batch, resp.results, strict=True):
            if r.status == 3:  # REJECTED at admission
                self.nonce[user] -= 1
                self.idle.append(user)
                self.stats.refused += 1
            else:
                self.stats.submitted += 1
                seen = self.early.pop(r.tx_hash, None)
                if seen is not None:
                    self._settle(seen[0], (user, t), seen[1])
                else:
                    self.inflight.setdefault(r.tx_hash, (user, t))
                    self.sent[r.tx_hash] = (raw, entry, t)

    async def run(self, rate: float, duration: float, drain_s: float = 30.0) -> dict[str, Any]:
        entries = self.net.entry_points() or [n for n in self.net.nodes if n.votes]
        channels = [secure_channel(e.address, self.creds) for e in entries]
        stubs = [ledger_pb2_grpc.LedgerStub(c) for c in channels]  # type: ignore[no-untyped-call]
        watch_stub = stubs[-1]
        try:
            st = await watch_stub.GetStatus(ledger_pb2.GetStatusRequest(), timeout=10)
        except grpc.aio.AioRpcError as exc:
            for c in channels:
                await c.close()
            raise LoadError(
                f"cannot reach {entries[-1].address} ({entries[-1].name}): "
                f"{exc.code().name} {' '.join((exc.details() or '').split())}".rstrip()
            ) from None
        if self.nonce:
            self.idle = deque(i for i in range(len(self.users)) if self.nonce.get(i, -1) >= 0)
        else:
            await self._nonces(watch_stub)
        order = list(self.idle)
        self.rng.shuffle(order)
        self.idle = deque(order)
        total = int(rate * duration)
        self.presign(total)
        watcher = asyncio.create_task(self._watch(watch_stub, st.height + 1))
        sends: set[asyncio.Task[None]] = set()
        t0 = self.stats.first_submit = time.monotonic()
        sent = 0
        last_check = t0
        while sent < total and time.monotonic() - t0 < duration + drain_s:
            due = min(total, int((time.monotonic() - t0) * rate)) - sent
            per_entry: list[list[tuple[int, bytes]]] = [[] for _ in stubs]
            for _ in range(due):
                if not self.idle:
                    break  # open loop with a bounded user pool: the rest waits (backlog)
                user = self.idle.popleft()
                per_entry[user % len(stubs)].append((user, self._tx(user)))
                sent += 1
                self.stats.last_send = time.monotonic()
            for i, (stub, batch) in enumerate(zip(stubs, per_entry, strict=True)):
                for k in range(0, len(batch), 500):
                    task = asyncio.create_task(self._send(stub, batch[k : k + 500], i))
                    sends.add(task)
                    task.add_done_callback(sends.discard)
            await asyncio.sleep(TICK_S)
            if time.monotonic() - last_check >= 1.0:
                last_check = time.monotonic()
                await self._resubmit(stubs)
        self.stats.backlog = total - sent
        if sends:
            await asyncio.gather(*sends)
        end = time.monotonic() + drain_s
        last_check = time.monotonic()
        while self.inflight and time.monotonic() < end:
            await asyncio.sleep(0.1)
            if time.monotonic() - last_check >= 1.0:
                last_check = time.monotonic()
                await self._resubmit(stubs)
        watcher.cancel()
        for c in channels:
            await c.close()
        out = self.stats.result(rate, duration)
        out["lost"] = len(self.inflight)
        out["signed_while_sending"] = self.signed_at_send
        return out


def run_load(net: Network, rate: float, duration: float, drain_s: float = 30.0) -> dict[str, Any]:
    """Blocking wrapper: one load run."""
    print(f"load: {rate} tx/s for {duration} s", file=sys.stderr)
    return asyncio.run(LoadGen(net).run(rate, duration, drain_s))
