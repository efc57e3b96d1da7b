"""The simulation: N engines on a seeded in-memory network driven by a discrete event queue."""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field

from consensus.codec import encode
from consensus.committee import Committee, CommitteeChange, Validator
from consensus.config import EngineConfig
from consensus.crypto import (
    Ed25519Signer,
    Ed25519Verifier,
    InsecureTestSigner,
    InsecureTestVerifier,
    Signer,
    Verifier,
)
from consensus.engine import Engine
from consensus.inputs import ChangeCommittee, SubmitTx
from consensus.sim import byzantine
from consensus.sim.rng import Rng
from consensus.sim.scenario import Scenario, identity
from consensus.step import CommittedSubDag, Step
from consensus.storage import MemoryStorage
from consensus.types import CertificateMsg, HeaderMsg

TICK_MS = 10
DELIVER, TICK, TX, CRASH, RESTART = 0, 1, 2, 3, 4


@dataclass
class Record:
    """What one instance did, for the checkers."""

    commits: list[tuple[int, int, bytes, bytes]] = field(default_factory=list)
    commit_times: list[int] = field(default_factory=list)
    committed_batches: set[bytes] = field(default_factory=set)
    honest_batches: list[bytes] = field(default_factory=list)
    ordered_certs: list[bytes] = field(default_factory=list)
    cert_delays: list[int] = field(default_factory=list)  # header proposed -> ordered (ms)
    ordered_authors: set[str] = field(default_factory=set)
    max_memory: int = 0
    faults: int = 0


@dataclass
class Instance:
    """One running copy of a validator identity."""

    name: str
    identity: str
    signer: Signer
    storage: MemoryStorage
    behaviour: str | None
    engine: Engine | None = None
    paused_until: int = 0
    record: Record = field(default_factory=Record)
    engine_config_gc_depth: int = 0


def _seed_bytes(seed: int, label: str) -> bytes:
    return hashlib.blake2b(f"{seed}/{label}".encode(), digest_size=32).digest()


class Simulation:
    """Runs one ``Scenario`` to its end and keeps records for the checkers."""

    def __init__(
        self, sc: Scenario, real_crypto: bool = False, overrides: dict[str, object] | None = None
    ) -> None:
        self.sc = sc
        self.overrides = overrides or {}
        self.rng = Rng(sc.seed ^ 0x5EED)
        make: type[Ed25519Signer] | type[InsecureTestSigner] = (
            Ed25519Signer if real_crypto else InsecureTestSigner
        )
        self.verifier: Verifier = Ed25519Verifier() if real_crypto else InsecureTestVerifier()
        self.authority = make(_seed_bytes(sc.seed, "authority"))
        signers = {v: make(_seed_bytes(sc.seed, v)) for v in sc.ids}
        extra = f"v{sc.validators:02d}"
        if sc.reconfigure_at_commit:
            signers[extra] = make(_seed_bytes(sc.seed, extra))
        validators = [Validator(v, signers[v].public_key, 1, f"sim://{v}") for v in sc.ids]
        self.genesis = Committee.create(0, validators).signed(self.authority)
        self.change: CommitteeChange | None = None
        if sc.reconfigure_at_commit:
            joined = [*validators, Validator(extra, signers[extra].public_key, 1, f"sim://{extra}")]
            self.change = CommitteeChange(Committee.create(1, joined).signed(self.authority))
        self.instances: dict[str, Instance] = {}
        names = sc.instances + ([extra] if sc.reconfigure_at_commit else [])
        for name in names:
            ident = identity(name)
            behaviour = sc.byzantine.get(ident)
            inst = Instance(name, ident, signers[ident], MemoryStorage(), behaviour)
            inst.engine = self._engine(inst)
            self.instances[name] = inst
        self.queue: list[tuple[int, int, int, str, object]] = []
        self.seq = 0
        self.now = 0
        self.messages = 0
        self.bytes = 0
        self.proposed: dict[bytes, int] = {}
        self.honest_certified: dict[bytes, int] = {}  # batch digest -> certificate round
        self.tx_counter = 0
        ids = sc.ids
        self.peers = {
            i: [v for v in ids if v != i] for i in {x.identity for x in self.instances.values()}
        }

    def _engine(self, inst: Instance) -> Engine:
        cfg = EngineConfig.test(inst.identity, self.genesis, self.authority.public_key)
        if self.overrides:
            cfg = cfg.with_(**self.overrides)
        inst.engine_config_gc_depth = cfg.gc_depth
        return Engine(cfg, inst.signer, self.verifier, inst.storage)

    def _push(self, t: int, kind: int, target: str, payload: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (t, self.seq, kind, target, payload))

    # ---- network --------------------------------------------------------------------------
    def _connected(self, a: str, b: str, t: int) -> bool:
        for p in self.sc.partitions:
            if p.start <= t < p.end:
                ga = next((i for i, g in enumerate(p.groups) if a in g), -1)
                gb = next((i for i, g in enumerate(p.groups) if b in g), -1)
                if ga != gb:
                    return False
        return True

    def _latency(self) -> int:
        sc = self.sc
        if sc.latency == "bimodal" and self.rng.chance(0.1):
            return self.rng.randint(5 * sc.latency_lo, 10 * sc.latency_hi)
        return self.rng.randint(sc.latency_lo, sc.latency_hi)

    def _send(self, src: Instance, to: str | None, data: bytes) -> None:
        for dst in self.instances.values():
            if dst.identity == src.identity or (to is not None and dst.identity != to):
                continue
            self.messages += 1
            self.bytes += len(data)
            if not self._connected(src.name, dst.name, self.now) or self.rng.chance(self.sc.drop):
                continue
            self._push(self.now + self._latency(), DELIVER, dst.name, (src.identity, data))

    def _perform(self, inst: Instance, step: Step) -> None:
        inst.record.faults += len(step.faults)
        peers = self.peers[inst.identity]
        for out in step.messages:
            msg = out.message
            if isinstance(msg, HeaderMsg) and out.to is None:
                self.proposed.setdefault(msg.header.digest, self.now)
            if inst.behaviour is None:
                if isinstance(msg, CertificateMsg) and out.to is None:
                    self._note_certified(inst, msg)
                self._send(inst, out.to, encode(msg))
            else:
                for to, data in byzantine.apply(inst.behaviour, out, inst.signer, peers, self.rng):
                    self._send(inst, to, data)
        for output in step.outputs:
            if isinstance(output, CommittedSubDag):
                self._note_commit(inst, output)

    def _note_certified(self, inst: Instance, msg: CertificateMsg) -> None:
        cert = msg.certificate
        if cert.author == inst.identity and identity(inst.name) not in self.sc.twins:
            for _, d in cert.header.payload:
                self.honest_certified.setdefault(d, cert.round)

    def _note_commit(self, inst: Instance, sub: CommittedSubDag) -> None:
        rec = inst.record
        h = hashlib.blake2b(digest_size=16)
        for c in sub.certificates:
            h.update(c.digest)
            rec.ordered_certs.append(c.digest)
            if c.digest in self.proposed:
                rec.cert_delays.append(self.now - self.proposed[c.digest])
            rec.ordered_authors.add(c.author)
        rec.commits.append((sub.index, sub.leader_round, sub.leader.digest, h.digest()))
        rec.commit_times.append(self.now)
        rec.committed_batches.update(b.digest for b in sub.batches)
        honest = self.sc.honest
        rec.honest_batches.extend(b.digest for b in sub.batches if b.author in honest)
        if self.change is not None and sub.index == self.sc.reconfigure_at_commit and inst.engine:
            step = inst.engine.handle_input(ChangeCommittee(self.change, sub.leader_round))
            self._perform(inst, step)

    # ---- run ------------------------------------------------------------------------------
    def run(self) -> None:
        """Execute the scenario until ``end_ms``."""
        for name in self.instances:
            self._push(0, TICK, name)
            self._push(self.rng.randint(1, self.sc.tx_interval_ms), TX, name)
        for o in self.sc.outages:
            if o.crash:
                self._push(o.start, CRASH, o.instance)
                self._push(o.end, RESTART, o.instance)
            else:
                self.instances[o.instance].paused_until = 0
                self._push(o.start, CRASH + 10, o.instance, o.end)
        end = self.sc.end_ms
        while self.queue and self.queue[0][0] <= end:
            t, _, kind, name, payload = heapq.heappop(self.queue)
            self.now = t
            inst = self.instances[name]
            if kind == CRASH:
                inst.engine = None
                continue
            if kind == RESTART:
                inst.engine = self._engine(inst)
                continue
            if kind == CRASH + 10:
                assert isinstance(payload, int)
                inst.paused_until = payload
                continue
            if kind in (TICK, TX):
                self._push(t + (TICK_MS if kind == TICK else self.sc.tx_interval_ms), kind, name)
            if inst.engine is None:
                continue
            if inst.paused_until > t:
                if kind == DELIVER:
                    self._push(inst.paused_until, kind, name, payload)
                continue
            self._handle(inst, kind, payload)

    def _handle(self, inst: Instance, kind: int, payload: object) -> None:
        engine = inst.engine
        assert engine is not None
        if kind == DELIVER:
            assert isinstance(payload, tuple)
            sender, data = payload
            step = engine.handle_message(sender, data)
        elif kind == TICK:
            step = engine.handle_tick(self.now)
            inst.record.max_memory = max(inst.record.max_memory, engine.memory_footprint())
        else:
            self.tx_counter += 1
            tx = b"tx/%s/%d/" % (inst.name.encode(), self.tx_counter) + b"\x00" * 64
            step = engine.handle_input(SubmitTx(0, tx))
        self._perform(inst, step)
