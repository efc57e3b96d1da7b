"""Helpers for hand-built DAGs and small in-process networks of engines (tests only)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.config import EngineConfig
from consensus.crypto import Ed25519Signer, Ed25519Verifier, Signer
from consensus.engine import Engine
from consensus.step import Step
from consensus.storage import MemoryStorage
from consensus.types import Certificate, Header

IDS = ["a", "b", "c", "d"]


def seed(label: str) -> bytes:
    """A 32-byte seed for a label."""
    return hashlib.sha256(label.encode()).digest()


def unsigned_committee(ids: Iterable[str] = IDS) -> Committee:
    """A committee of weight-1 members with dummy keys (for commit-rule tests)."""
    return Committee.create(0, [Validator(i, seed(i), 1) for i in ids])


def cert(author: str, round_: int, parents: Iterable[Certificate] = ()) -> Certificate:
    """An unsigned certificate (the commit rule never checks signatures)."""
    ps = tuple(sorted(p.digest for p in parents))
    digest = Header.body_digest(author, round_, 0, ps, ())
    return Certificate(Header(author, round_, 0, ps, (), b"", digest), ())


class DagBuilder:
    """Builds rounds of certificates: ``layer(r, authors, parents_by_author)``."""

    def __init__(self, ids: list[str] | None = None) -> None:
        self.ids = ids or IDS
        self.schedule = CommitteeSchedule(unsigned_committee(self.ids))
        self.rounds: dict[int, dict[str, Certificate]] = {}

    def layer(
        self,
        round_: int,
        authors: Iterable[str] | None = None,
        refs: dict[str, list[str]] | None = None,
    ) -> list[Certificate]:
        """Certificates of ``authors`` in ``round_``; by default each references every
        certificate of the previous round, or those named in ``refs[author]``."""
        prev = self.rounds.get(round_ - 1, {})
        out = {}
        for a in authors if authors is not None else self.ids:
            names = (refs or {}).get(a, list(prev))
            out[a] = cert(a, round_, [prev[n] for n in names])
        self.rounds[round_] = out
        return [out[a] for a in sorted(out)]

    def all(self) -> list[Certificate]:
        """Every certificate in (round, author) order."""
        return [self.rounds[r][a] for r in sorted(self.rounds) for a in sorted(self.rounds[r])]


class Network:
    """Real-Ed25519 engines exchanging messages through a FIFO, with optional filters."""

    def __init__(self, ids: list[str] | None = None, **cfg: object) -> None:
        self.ids = ids or IDS
        self.authority = Ed25519Signer(seed("authority"))
        self.signers: dict[str, Signer] = {i: Ed25519Signer(seed(i)) for i in self.ids}
        validators = [Validator(i, self.signers[i].public_key, 1) for i in self.ids]
        self.committee = Committee.create(0, validators).signed(self.authority)
        self.storages = {i: MemoryStorage() for i in self.ids}
        self.cfg = cfg
        self.engines = {i: self.make(i) for i in self.ids}
        self.outputs: dict[str, list[object]] = {i: [] for i in self.ids}
        self.faults: dict[str, list[object]] = {i: [] for i in self.ids}
        self.now = 0

    def config(self, me: str) -> EngineConfig:
        """Test configuration for one member."""
        base = EngineConfig.test(me, self.committee, self.authority.public_key)
        # Delivery here is instantaneous: at most one proposal per 10 ms tick.
        return base.with_(min_header_delay_ms=10, **self.cfg)

    def make(self, me: str) -> Engine:
        """A fresh engine over ``me``'s storage (a restart when the storage is not empty)."""
        return Engine(self.config(me), self.signers[me], Ed25519Verifier(), self.storages[me])

    def run(self, ticks: int, down: Iterable[str] = ()) -> None:
        """Alternate ticks and full delivery; engines in ``down`` neither send nor receive."""
        off = set(down)
        for _ in range(ticks):
            self.now += 10
            queue = []
            for i in self.ids:
                if i in off:
                    continue
                step = self.engines[i].handle_tick(self.now)
                queue.append((i, step))
            self.deliver(queue, off)

    def deliver(self, queue: list[tuple[str, Step]], off: Iterable[str] = ()) -> None:
        """Deliver the messages of ``(source, step)`` pairs, and of every step they cause,
        until none is left; engines in ``off`` neither send nor receive."""
        from consensus.codec import encode

        down = set(off)
        while queue:
            src, step = queue.pop(0)
            self.outputs[src].extend(step.outputs)
            self.faults[src].extend(step.faults)
            for out in step.messages:
                data = encode(out.message)
                for dst in self.ids:
                    if dst == src or dst in down or (out.to is not None and out.to != dst):
                        continue
                    queue.append((dst, self.engines[dst].handle_message(src, data)))
