"""The sans-IO engine: lanes, proposals, votes, certificates, DAG, commits, sync, GC.

Every public method returns a ``Step``; the caller sends ``step.messages``, hands
``step.outputs`` to the ledger and records ``step.faults``. Buffered storage writes are
flushed before a method returns, so what a step sends is already durable.
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.codec import DecodeError, decode
from consensus.commit_rule import Bullshark, Commit, CommitRule
from consensus.committee import Committee, CommitteeChange, CommitteeSchedule
from consensus.config import EngineConfig
from consensus.crypto import CachingVerifier, Signer, Verifier
from consensus.dag import Dag
from consensus.lanes import Lane
from consensus.step import CommittedSubDag, EpochScheduled, Fault, FaultKind, Outbound, Step
from consensus.storage import EngineStore, Storage
from consensus.sync import SyncState
from consensus.types import (
    Batch,
    BatchAck,
    BatchMsg,
    BatchRequest,
    BatchResponse,
    Certificate,
    CertificateMsg,
    CertificateRequest,
    CertificateResponse,
    Digest,
    Header,
    HeaderMsg,
    Message,
    ValidatorId,
    Vote,
    VoteMsg,
    header_signing_bytes,
    vote_signing_bytes,
)
from consensus.validation import (
    check_certificate,
    check_header_shape,
    check_header_signature,
    check_vote,
)


@dataclass(frozen=True, slots=True)
class SubmitTx:
    """A client transaction for the lane of ``partition``."""

    partition: int
    tx: bytes


@dataclass(frozen=True, slots=True)
class ChangeCommittee:
    """An authority-signed committee change the ledger committed in the sub-DAG whose leader
    is of round ``committed_round``; it governs rounds from the first even round at or after
    ``committed_round + reconfig_delay_rounds`` (identical on every node)."""

    change: CommitteeChange
    committed_round: int


Input = SubmitTx | ChangeCommittee


class Engine:
    """One validator's (or follower's) consensus state machine."""

    def __init__(
        self,
        config: EngineConfig,
        signer: Signer,
        verifier: Verifier,
        storage: Storage,
        commit_rule: CommitRule | None = None,
    ) -> None:
        config.validate()
        if not config.genesis.verify(config.authority_public_key, verifier):
            raise ValueError("genesis committee is not signed by the authority key")
        self.cfg = config
        self.me = config.me
        self.signer = signer
        self.verifier = CachingVerifier(verifier)
        self.store = EngineStore(storage)
        self.schedule = CommitteeSchedule(config.genesis)
        self.dag = Dag()
        self.rule: CommitRule = commit_rule or Bullshark(config.gc_depth)
        self.sync = SyncState(config.max_suspended)
        self.now = 0
        self.header: Header | None = None
        self.certified = False
        self.votes: dict[ValidatorId, bytes] = {}
        self.header_sent_ms = 0
        self.proposed_round = 0
        self.last_votes: dict[ValidatorId, tuple[int, Digest]] = {}
        self.seen_headers: dict[tuple[int, ValidatorId], Header] = {}
        self.waiting_headers: dict[ValidatorId, tuple[Header, ValidatorId]] = {}
        self.batches: dict[Digest, Batch] = {}
        self.batch_round: dict[Digest, int] = {}
        self.unreferenced: dict[ValidatorId, int] = {}
        self.lanes = {
            p: Lane(
                self.me, p, config.batch_max_txs, config.batch_max_bytes, config.batch_timeout_ms
            )
            for p in config.partitions
        }
        self.unacked: dict[Digest, tuple[Batch, set[ValidatorId], int]] = {}
        self.ready: list[tuple[int, Digest]] = []
        self.own_unordered: dict[Digest, Certificate] = {}
        self.latest_own_cert: Certificate | None = None
        self.last_rebroadcast_ms = 0
        self.recheck: list[Certificate] = []
        self.changes: list[tuple[int, Committee]] = []
        self._restore()

    # ---- public API -------------------------------------------------------------------------
    def handle_message(self, sender: ValidatorId, data: bytes | Message) -> Step:
        """Process one message from ``sender`` (an authenticated transport identity)."""
        step = Step()
        if isinstance(data, bytes | bytearray | memoryview):
            try:
                msg = decode(bytes(data), self.cfg.limits)
            except DecodeError as exc:
                step.faults.append(Fault(sender, FaultKind.MALFORMED, str(exc)))
                return step
        else:
            msg = data
        self._dispatch(sender, msg, step)
        self._advance(step)
        self.store.flush()
        return step

    def handle_tick(self, now_ms: int) -> Step:
        """Advance the clock: seal timed-out batches, retry, rebroadcast, propose."""
        step = Step()
        self.now = max(self.now, now_ms)
        for lane in self.lanes.values():
            batch = lane.tick(self.now)
            if batch is not None:
                self._seal(batch, step)
        self._retry(step)
        self._advance(step)
        self.store.flush()
        return step

    def handle_input(self, item: Input) -> Step:
        """Accept a client transaction or a committed committee change from the node."""
        step = Step()
        if isinstance(item, SubmitTx):
            lane = self.lanes.get(item.partition)
            if lane is None or len(item.tx) > self.cfg.limits.max_tx_bytes:
                step.faults.append(Fault(self.me, FaultKind.MALFORMED, "tx rejected by lane"))
            else:
                batch = lane.add(item.tx, self.now)
                if batch is not None:
                    self._seal(batch, step)
        else:
            self._change_committee(item, step)
        self._advance(step)
        self.store.flush()
        return step

    def batch(self, digest: Digest) -> Batch | None:
        """A batch by digest (memory, then storage) for the node to execute."""
        return self.batches.get(digest) or self.store.batch(digest)

    def memory_footprint(self) -> int:
        """Number of objects held in memory (bounded by configuration)."""
        return (
            len(self.dag)
            + len(self.sync.suspended)
            + len(self.batches)
            + len(self.seen_headers)
            + len(self.waiting_headers)
            + len(self.unacked)
            + len(self.sync.requested)
        )

    @property
    def committee(self) -> CommitteeSchedule:
        """The committee schedule."""
        return self.schedule

    # ---- restore ----------------------------------------------------------------------------
    def _restore(self) -> None:
        for first, committee in self.store.schedule():
            self.schedule.add(first, committee)
            self.changes.append((first, committee))
        st = self.store.commit_state()
        if st is not None:
            self.rule.state = st
        gc = self.rule.state.gc_round(self.cfg.gc_depth)
        self.dag.gc_round = gc
        for r in range(gc + 1, self.store.highest_round() + 1):
            for author in self.schedule.for_round(r).ids:
                cert = self.store.certificate_at(r, author)
                if cert is None:
                    continue
                self.dag.insert(cert)
                for _, d in cert.header.payload:
                    b = self.store.batch(d)
                    if b is not None:
                        self.batches[d] = b
                        self.batch_round[d] = r
                if author == self.me:
                    self.latest_own_cert = cert
                    if cert.digest not in self.rule.state.ordered:
                        self.own_unordered[cert.digest] = cert
        own = self.store.own_header()
        if own is not None:
            self.header = own
            self.proposed_round = own.round
            self.certified = (
                own.digest in self.dag or self.store.certificate(own.digest) is not None
            )
            self.seen_headers[(own.round, own.author)] = own
        for p, lane in self.lanes.items():
            lane.sequence = self.store.lane_sequence(p)

    # ---- dispatch ---------------------------------------------------------------------------
    def _dispatch(self, sender: ValidatorId, msg: Message, step: Step) -> None:
        match msg:
            case HeaderMsg(header):
                self._on_header(sender, header, step)
            case VoteMsg(vote):
                self._on_vote(sender, vote, step)
            case CertificateMsg(cert):
                self._on_certificate(sender, cert, step)
            case BatchMsg(batch):
                self._on_batch(sender, batch, step)
            case BatchAck(digest):
                self._on_ack(sender, digest)
            case CertificateRequest(digests, floor):
                self._on_cert_request(sender, digests, floor, step)
            case CertificateResponse(certs):
                for cert in certs[: self.cfg.max_sync_response]:
                    self._on_certificate(sender, cert, step)
            case BatchRequest(digests):
                found = [b for b in (self.batch(d) for d in digests[:256]) if b is not None]
                if found:
                    step.messages.append(Outbound(sender, BatchResponse(tuple(found))))
            case BatchResponse(batches):
                for b in batches[:256]:
                    if b.digest in self.sync.requested:
                        self._store_batch(b, referenced=True)
                        self.sync.requested.pop(b.digest, None)
                        self._wake_batch(b.digest, step)

    # ---- batches ----------------------------------------------------------------------------
    def _seal(self, batch: Batch, step: Step) -> None:
        self._store_batch(batch, referenced=True)
        self.store.put_lane_sequence(batch.partition, batch.sequence)
        self.unacked[batch.digest] = (batch, {self.me}, self.now)
        step.messages.append(Outbound(None, BatchMsg(batch)))
        self._check_acks(batch.digest)

    def _store_batch(self, batch: Batch, referenced: bool) -> None:
        if batch.digest in self.batches:
            return
        self.batches[batch.digest] = batch
        self.batch_round[batch.digest] = self.dag.highest_round
        self.store.put_batch(batch)
        if not referenced:
            self.unreferenced[batch.author] = self.unreferenced.get(batch.author, 0) + 1

    def _on_batch(self, sender: ValidatorId, batch: Batch, step: Step) -> None:
        if batch.author != sender:
            step.faults.append(Fault(sender, FaultKind.SPOOFED, "batch of another author"))
            return
        if not self.schedule.latest.is_member(sender):
            step.faults.append(Fault(sender, FaultKind.NOT_MEMBER, "batch from non-member"))
            return
        if batch.partition not in self.lanes:
            step.faults.append(Fault(sender, FaultKind.MALFORMED, "batch for unknown partition"))
            return
        if (
            batch.size_bytes > self.cfg.batch_max_bytes * 2
            or len(batch.txs) > 2 * self.cfg.batch_max_txs
        ):
            step.faults.append(Fault(sender, FaultKind.TOO_LARGE, "batch exceeds lane limits"))
            return
        if batch.digest not in self.batches:
            if self.unreferenced.get(sender, 0) >= self.cfg.max_unreferenced_batches:
                return  # flooding: drop until earlier batches are referenced or collected
            self._store_batch(batch, referenced=False)
        step.messages.append(Outbound(sender, BatchAck(batch.digest)))
        self._wake_batch(batch.digest, step)

    def _on_ack(self, sender: ValidatorId, digest: Digest) -> None:
        entry = self.unacked.get(digest)
        if entry is not None and self.schedule.latest.is_member(sender):
            entry[1].add(sender)
            self._check_acks(digest)

    def _check_acks(self, digest: Digest) -> None:
        batch, ackers, _ = self.unacked[digest]
        if self.schedule.latest.stake(ackers) >= self.schedule.latest.validity:
            del self.unacked[digest]
            self.ready.append((batch.partition, digest))

    # ---- headers and votes --------------------------------------------------------------------
    def _on_header(self, sender: ValidatorId, h: Header, step: Step) -> None:
        if h.author != sender:
            step.faults.append(Fault(sender, FaultKind.SPOOFED, "header of another author", (h,)))
            return
        if h.round <= self.dag.gc_round or h.round > self._horizon():
            return  # outside the round window: ignored, bounded memory
        fault = check_header_shape(h, self.schedule, self.cfg.max_header_batches, sender)
        if fault is None:
            fault = check_header_signature(h, self.schedule, self.verifier, sender)
        if fault is not None:
            step.faults.append(fault)
            return
        first = self.seen_headers.get((h.round, h.author))
        if first is not None and first.digest != h.digest:
            step.faults.append(
                Fault(sender, FaultKind.EQUIVOCATION, f"two headers in round {h.round}", (first, h))
            )
            return
        self.seen_headers[(h.round, h.author)] = h
        self._try_vote(h, sender, step)

    def _horizon(self) -> int:
        return max(self.dag.highest_round, self.proposed_round) + self.cfg.max_round_ahead

    def _try_vote(self, h: Header, sender: ValidatorId, step: Step) -> None:
        if not self.schedule.for_round(h.round).is_member(self.me):
            return
        last = self.last_votes.get(h.author) or self.store.last_vote(h.author)
        if last is not None:
            if last[0] > h.round or (last[0] == h.round and last[1] != h.digest):
                return  # never vote twice in a round, never for an older round
        if h.round > 1 and h.round - 1 <= self.dag.gc_round:
            return
        missing = [p for p in h.parents if p not in self.dag]
        if missing:
            self.waiting_headers[h.author] = (h, sender)
            self.sync.want_certs(missing, sender, self.now, step, self._floor())
            return
        if h.round > 1:
            parents = [self.dag.get(p) for p in h.parents]
            prev = self.schedule.for_round(h.round - 1)
            authors = [c.author for c in parents if c is not None and c.round == h.round - 1]
            if len(authors) != len(h.parents) or prev.stake(authors) < prev.quorum:
                self.waiting_headers.pop(h.author, None)
                step.faults.append(Fault(sender, FaultKind.BAD_PARENTS, "parents", (h,)))
                return
        missing_b = [d for _, d in h.payload if self.batch(d) is None]
        if missing_b:
            self.waiting_headers[h.author] = (h, sender)
            self.sync.want_batches(missing_b, sender, self.now, step)
            return
        for part, d in h.payload:
            b = self.batch(d)
            if b is None or b.author != h.author or b.partition != part:
                self.waiting_headers.pop(h.author, None)
                step.faults.append(Fault(sender, FaultKind.MALFORMED, "payload", (h,)))
                return
        self.waiting_headers.pop(h.author, None)
        self.last_votes[h.author] = (h.round, h.digest)
        self.store.put_last_vote(h.author, h.round, h.digest)
        vote = Vote(
            h.digest, h.round, h.author, self.me, self.signer.sign(vote_signing_bytes(h.digest))
        )
        if h.author == self.me:
            self._on_vote(self.me, vote, step)
        else:
            step.messages.append(Outbound(h.author, VoteMsg(vote)))

    def _on_vote(self, sender: ValidatorId, v: Vote, step: Step) -> None:
        if v.voter != sender:
            step.faults.append(Fault(sender, FaultKind.SPOOFED, "vote of another voter", (v,)))
            return
        h = self.header
        if h is None or v.header_digest != h.digest or self.certified or v.voter in self.votes:
            return
        fault = check_vote(v, h, self.schedule, self.verifier)
        if fault is not None:
            step.faults.append(fault)
            return
        self.votes[v.voter] = v.signature
        committee = self.schedule.for_round(h.round)
        if committee.stake(self.votes) >= committee.quorum:
            self.certified = True
            cert = Certificate(h, tuple(sorted(self.votes.items())))
            step.messages.append(Outbound(None, CertificateMsg(cert)))
            self._accept(cert, self.me, step)

    # ---- certificates -----------------------------------------------------------------------
    def _on_certificate(self, sender: ValidatorId, c: Certificate, step: Step) -> None:
        if c.digest in self.dag or c.digest in self.sync.suspended or c.round <= self.dag.gc_round:
            return
        existing = self.dag.at(c.round, c.author)
        fault = check_certificate(
            c, self.schedule, self.verifier, self.cfg.max_header_batches, sender
        )
        if fault is not None:
            step.faults.append(fault)
            return
        if existing is not None:
            step.faults.append(
                Fault(c.author, FaultKind.EQUIVOCATION, "two certificates", (existing, c))
            )
            return
        self._accept(c, sender, step)

    def _accept(self, c: Certificate, sender: ValidatorId, step: Step) -> None:
        """Insert a valid certificate now, or suspend it until parents and batches arrive."""
        queue = [c]
        while queue:
            cert = queue.pop()
            if cert.digest in self.dag:
                continue
            missing = (
                []
                if cert.round - 1 <= self.dag.gc_round
                else [p for p in cert.header.parents if p not in self.dag]
            )
            missing_b = [d for _, d in cert.header.payload if self.batch(d) is None]
            if missing or missing_b:
                if self.sync.suspend(cert, missing, missing_b):
                    self.sync.want_certs(missing, sender, self.now, step, self._floor())
                    self.sync.want_batches(missing_b, sender, self.now, step)
                continue
            self._insert(cert, step)
            queue.extend(self.sync.resume(cert.digest))

    def _wake_batch(self, digest: Digest, step: Step) -> None:
        woken = self.sync.resume(digest)
        for cert in woken:
            self._accept(cert, cert.author, step)

    def _insert(self, cert: Certificate, step: Step) -> None:
        if cert.round > 1 and cert.round - 1 > self.dag.gc_round:
            prev = self.schedule.for_round(cert.round - 1)
            parents = [self.dag.get(p) for p in cert.header.parents]
            authors = [p.author for p in parents if p is not None and p.round == cert.round - 1]
            if len(authors) != len(parents) or prev.stake(authors) < prev.quorum:
                step.faults.append(
                    Fault(cert.author, FaultKind.BAD_PARENTS, "certificate", (cert,))
                )
                return
        if not self.dag.insert(cert):
            return
        self.store.put_certificate(cert)
        for _, d in cert.header.payload:
            self.batch_round[d] = max(self.batch_round.get(d, 0), cert.round)
            b = self.batches.get(d)
            if b is not None and self.unreferenced.get(b.author, 0) > 0:
                self.unreferenced[b.author] -= 1
        if cert.author == self.me:
            self.own_unordered[cert.digest] = cert
            if self.latest_own_cert is None or cert.round > self.latest_own_cert.round:
                self.latest_own_cert = cert
        for commit in self.rule.process(self.dag, self.schedule, cert):
            self._output(commit, step)

    def _output(self, commit: Commit, step: Step) -> None:
        batches = []
        for cert in commit.certificates:
            self.own_unordered.pop(cert.digest, None)
            for _, d in cert.header.payload:
                b = self.batch(d)
                if b is not None:
                    batches.append(b)
        step.outputs.append(
            CommittedSubDag(commit.index, commit.leader, commit.certificates, tuple(batches))
        )
        self.store.put_commit_state(self.rule.state)
        self._collect(self.rule.state.gc_round(self.cfg.gc_depth))

    def _collect(self, gc: int) -> None:
        """Garbage-collect memory at or below round ``gc`` (storage keeps history)."""
        if gc <= self.dag.gc_round:
            return
        self.dag.collect(gc)
        for d, cert in list(self.own_unordered.items()):
            if cert.round <= gc:  # never ordered by anyone now: propose its batches again
                del self.own_unordered[d]
                self.ready.extend(cert.header.payload)
        keep = {d for _, d in self.ready} | set(self.unacked)
        for d in [d for d, r in self.batch_round.items() if r <= gc and d not in keep]:
            del self.batch_round[d]
            b = self.batches.pop(d, None)
            if b is not None and self.unreferenced.get(b.author, 0) > 0:
                self.unreferenced[b.author] -= 1
        self.seen_headers = {k: h for k, h in self.seen_headers.items() if k[0] > gc}
        self.waiting_headers = {a: e for a, e in self.waiting_headers.items() if e[0].round > gc}
        self.recheck.extend(self.sync.collect(gc))

    def _floor(self) -> int:
        return max(self.dag.gc_round, self._quorum_round() - 2)

    # ---- sync answers -------------------------------------------------------------------------
    def _on_cert_request(
        self, sender: ValidatorId, digests: tuple[Digest, ...], floor: int, step: Step
    ) -> None:
        found: dict[Digest, Certificate] = {}
        stack = [d for d in digests[:64]]
        while stack and len(found) < 4 * self.cfg.max_sync_response:
            d = stack.pop()
            if d in found:
                continue
            cert = self.dag.get(d) or self.store.certificate(d)
            if cert is None:
                continue
            found[d] = cert
            if cert.round - 1 > floor:
                stack.extend(p for p in cert.header.parents if p not in found)
        if found:
            ordered = sorted(found.values(), key=lambda c: (c.round, c.author))
            step.messages.append(
                Outbound(sender, CertificateResponse(tuple(ordered[: self.cfg.max_sync_response])))
            )

    # ---- proposing ----------------------------------------------------------------------------
    def _quorum_round(self) -> int:
        """Highest round whose certificates we hold reach a quorum (0 before round 1)."""
        r = self.dag.highest_round
        while r > self.dag.gc_round:
            c = self.schedule.for_round(r)
            if c.stake(self.dag.round(r)) >= c.quorum:
                return r
            r -= 1
        return self.dag.gc_round if self.dag.gc_round > 0 else 0

    def _advance(self, step: Step) -> None:
        while self.recheck:
            cert = self.recheck.pop()
            self._accept(cert, cert.author, step)
        for _author, (h, sender) in sorted(self.waiting_headers.items()):
            if all(p in self.dag for p in h.parents):
                self._try_vote(h, sender, step)
        base = self._quorum_round()
        nxt = base + 1
        if nxt <= self.proposed_round or not self.schedule.for_round(nxt).is_member(self.me):
            if nxt > self.proposed_round:
                self.proposed_round = base  # followers track the round without proposing
            return
        if self.now - self.header_sent_ms < self.cfg.min_header_delay_ms and self.header:
            return
        if base == self.proposed_round and not self._leader_ready(base):
            if self.now - self.header_sent_ms < self.cfg.header_timeout_ms:
                return
        self._propose(nxt, step)

    def _leader_ready(self, base: int) -> bool:
        """Bullshark pacing: wait for the anchor (even round) or its votes (odd round)."""
        if base < 2:
            return True
        committee = self.schedule.for_round(base)
        if base % 2 == 0:
            return self.dag.at(base, committee.leader(base)) is not None
        lr = base - 1
        leader = self.dag.at(lr, self.schedule.for_round(lr).leader(lr))
        if leader is None:
            return True
        certs = self.dag.round(base).values()
        yes = committee.stake(c.author for c in certs if leader.digest in c.header.parents)
        no = committee.stake(c.author for c in certs if leader.digest not in c.header.parents)
        return yes >= committee.validity or no >= committee.quorum

    def _propose(self, round_: int, step: Step) -> None:
        if self.header is not None and not self.certified:
            self.ready[:0] = list(self.header.payload)  # uncertified: its batches go again
        parents = (
            tuple(sorted(c.digest for c in self.dag.round(round_ - 1).values()))
            if round_ > 1
            else ()
        )
        payload = tuple(self.ready[: self.cfg.max_header_batches])
        del self.ready[: self.cfg.max_header_batches]
        epoch = self.schedule.for_round(round_).epoch
        digest = Header.body_digest(self.me, round_, epoch, parents, payload)
        sig = self.signer.sign(header_signing_bytes(digest))
        h = Header(self.me, round_, epoch, parents, payload, sig, digest)
        self.store.put_own_header(h)
        self.header, self.certified, self.votes = h, False, {}
        self.proposed_round = round_
        self.header_sent_ms = self.now
        self.seen_headers[(round_, self.me)] = h
        step.messages.append(Outbound(None, HeaderMsg(h)))
        self._try_vote(h, self.me, step)

    # ---- retries ----------------------------------------------------------------------------
    def _retry(self, step: Step) -> None:
        if self.header is None and self.proposed_round == 0:
            return
        if self.now - self.last_rebroadcast_ms < self.cfg.retry_ms:
            return
        self.last_rebroadcast_ms = self.now
        if self.header is not None and not self.certified:
            if self.me not in self.votes:  # after a restart: the same vote again, not a new one
                self._try_vote(self.header, self.me, step)
            for vid in self.schedule.for_round(self.header.round).ids:
                if vid not in self.votes and vid != self.me:
                    step.messages.append(Outbound(vid, HeaderMsg(self.header)))
        if self.latest_own_cert is not None:
            step.messages.append(Outbound(None, CertificateMsg(self.latest_own_cert)))
        for batch, ackers, sent in self.unacked.values():
            if self.now - sent >= self.cfg.retry_ms:
                for vid in self.schedule.latest.ids:
                    if vid not in ackers:
                        step.messages.append(Outbound(vid, BatchMsg(batch)))
        peers = [v for v in self.schedule.latest.ids if v != self.me]
        self.sync.retry(self.now, self.cfg.retry_ms, peers, step, self._floor(), self._missing)

    def _missing(self, digest: Digest) -> bool:
        return digest not in self.dag and self.batch(digest) is None

    # ---- reconfiguration ------------------------------------------------------------------------
    def _change_committee(self, item: ChangeCommittee, step: Step) -> None:
        new = item.change.committee
        if not new.verify(self.cfg.authority_public_key, self.verifier):
            step.faults.append(Fault(self.me, FaultKind.BAD_SIGNATURE, "committee change"))
            return
        if new.epoch != self.schedule.latest.epoch + 1:
            step.faults.append(Fault(self.me, FaultKind.WRONG_EPOCH, "committee change epoch"))
            return
        first = item.committed_round + self.cfg.reconfig_delay_rounds
        first += first % 2
        try:
            self.schedule.add(first, new)
        except ValueError as exc:
            step.faults.append(Fault(self.me, FaultKind.BAD_ROUND, str(exc)))
            return
        self.changes.append((first, new))
        self.store.put_schedule(tuple(self.changes))
        step.outputs.append(EpochScheduled(first, new))
