"""The sans-IO engine: lanes, proposals, votes, certificates, DAG, commits, sync, GC.

Every public method returns a ``Step``; the caller sends ``step.messages``, hands
``step.outputs`` to the ledger and records ``step.faults``. Buffered storage writes are
flushed before a method returns, so what a step sends is already durable. A caller that
makes many calls before it sends anything may set ``autoflush = False`` and call
``flush`` itself before it sends (one storage write for the group instead of one a call).
"""

from __future__ import annotations

import hashlib

from consensus.batches import BatchBook
from consensus.codec import DecodeError, decode
from consensus.commit_rule import Commit, CommitRule, make_rule
from consensus.committee import Committee, CommitteeSchedule
from consensus.config import EngineConfig
from consensus.crypto import CachingVerifier, Signer, Verifier
from consensus.dag import Dag
from consensus.inputs import ChangeCommittee, Input, SubmitTx, boundary_round
from consensus.lanes import Lane
from consensus.pacing import leader_ready, quorum_round
from consensus.step import (
    BatchStored,
    CommittedSubDag,
    EpochScheduled,
    Fault,
    FaultKind,
    Outbound,
    Step,
)
from consensus.storage import EngineStore, Storage
from consensus.sync import SyncState, answer_request
from consensus.types import (
    Batch,
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

REJECTED_CERTS = 4096  # how many refused certificates are remembered (FIFO)


def _cert_key(c: Certificate) -> bytes:
    """Names a certificate with its exact votes: the digest names only the header, and an
    honest certificate of the same header must not be refused for a forged one."""
    h = hashlib.blake2b(c.digest, digest_size=32)
    for voter, sig in c.votes:
        vid = voter.encode()
        h.update(len(vid).to_bytes(2, "big") + vid + len(sig).to_bytes(2, "big") + sig)
    return h.digest()


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
        self.rule: CommitRule = commit_rule or make_rule(config.commit_rule, config.gc_depth)
        self.sync = SyncState(
            config.max_suspended,
            config.max_requests_per_peer,
            config.max_requests,
            config.max_request_attempts,
        )
        self.now = 0
        self.header: Header | None = None
        self.certified = False
        self.votes: dict[ValidatorId, bytes] = {}
        self.header_sent_ms = 0
        self.header_retry_ms = -(10**9)
        self.proposed_round = 0
        self.last_votes: dict[ValidatorId, tuple[int, Digest]] = {}
        self.seen_headers: dict[tuple[int, ValidatorId], Header] = {}
        self.waiting_headers: dict[ValidatorId, tuple[Header, ValidatorId]] = {}
        self.book = BatchBook(self.store, config.max_unreferenced_batches)
        self.lanes = {
            p: Lane(
                self.me, p, config.batch_max_txs, config.batch_max_bytes, config.batch_timeout_ms
            )
            for p in config.partitions
        }
        self.own_unordered: dict[Digest, Certificate] = {}
        self.latest_own_cert: Certificate | None = None
        self.last_rebroadcast_ms = 0
        self.recheck: list[Certificate] = []
        self.changes: list[tuple[int, Committee]] = []
        self.rejected: dict[bytes, None] = {}  # recently refused certificates, oldest first
        self.autoflush = True
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
        if self.autoflush:
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
        if self.autoflush:
            self.store.flush()
        return step

    def handle_input(self, item: Input) -> Step:
        """Accept a client transaction or a committed committee change from the node."""
        step = Step()
        if isinstance(item, SubmitTx):
            lane = self.lanes.get(item.partition)
            if lane is None or len(item.tx) > self.cfg.limits.max_tx_bytes:
                step.faults.append(Fault(self.me, FaultKind.MALFORMED, "tx rejected by lane"))
                return step
            batch = lane.add(item.tx, self.now)
            if batch is None:
                return step  # the common, cheap path: nothing sealed, nothing to advance
            self._seal(batch, step)
        else:
            self._change_committee(item, step)
        self._advance(step)
        if self.autoflush:
            self.store.flush()
        return step

    def flush(self) -> None:
        """Write the buffered storage writes of earlier calls as one atomic batch (what
        every call does itself unless ``autoflush`` is off)."""
        self.store.flush()

    def batch(self, digest: Digest) -> Batch | None:
        """A batch by digest (memory, then storage) for the node to execute."""
        return self.book.get(digest)

    def memory_footprint(self) -> int:
        """Number of objects held in memory (bounded by configuration)."""
        return (
            len(self.dag)
            + len(self.sync.suspended)
            + len(self.book)
            + len(self.seen_headers)
            + len(self.waiting_headers)
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
                        self.book.restore(b, r)
                if author == self.me:
                    self.latest_own_cert = cert
                    abandoned = self.store.is_abandoned(cert.digest)
                    if cert.digest not in self.rule.state.ordered and not abandoned:
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
            case CertificateRequest(digests, floor):
                self._on_cert_request(sender, digests, floor, step)
            case CertificateResponse(certs):
                for cert in certs[: self.cfg.max_sync_response]:
                    self._on_certificate(sender, cert, step)
            case BatchRequest(digests):
                self._on_batch_request(sender, digests, step)
            case BatchResponse(batches):
                for b in batches[:256]:
                    self._on_fetched_batch(sender, b, step)

    # ---- batches ----------------------------------------------------------------------------
    def _seal(self, batch: Batch, step: Step) -> None:
        self.book.add(batch, self.dag.highest_round, referenced=True)
        self.store.put_lane_sequence(batch.partition, batch.sequence)
        self.book.sealed(batch)  # sent with our next header (ADR 0079)

    def _batch_fault(self, sender: ValidatorId, batch: Batch) -> Fault | None:
        """The checks every batch from a peer passes, sent directly or fetched: a member
        author, a known partition and the lane limits."""
        if not any(c.is_member(batch.author) for _, c in self.schedule.entries):
            return Fault(sender, FaultKind.NOT_MEMBER, "batch from non-member")
        if batch.partition not in self.lanes:
            return Fault(sender, FaultKind.MALFORMED, "batch for unknown partition")
        if (
            batch.size_bytes > self.cfg.batch_max_bytes * 2
            or len(batch.txs) > 2 * self.cfg.batch_max_txs
        ):
            return Fault(sender, FaultKind.TOO_LARGE, "batch exceeds lane limits")
        return None

    def _on_fetched_batch(self, sender: ValidatorId, batch: Batch, step: Step) -> None:
        """A batch in a ``BatchResponse``: kept only if we asked for that digest (a header
        or certificate lists it) and it passes the same checks as a batch sent directly."""
        if not self.sync.wants_batch(batch.digest):
            return  # unrequested, or already answered by another peer: ignored
        fault = self._batch_fault(sender, batch)
        if fault is not None:
            step.faults.append(fault)
            return
        self.book.add(batch, self.dag.highest_round, referenced=True)
        self.sync.unrequest(batch.digest)
        step.outputs.append(BatchStored(batch))
        self._wake_batch(batch.digest, step)

    def _on_batch(self, sender: ValidatorId, batch: Batch, step: Step) -> None:
        if batch.author != sender:
            step.faults.append(Fault(sender, FaultKind.SPOOFED, "batch of another author"))
            return
        fault = self._batch_fault(sender, batch)
        if fault is not None:
            step.faults.append(fault)
            return
        if self.book.get(batch.digest) is None:
            if not self.book.has_room(sender):
                return  # flooding: drop until earlier batches are referenced or collected
            self.book.add(batch, self.dag.highest_round, referenced=False)
            step.outputs.append(BatchStored(batch))
        # No acknowledgement: our vote for the header that lists it says we hold it.
        self._wake_batch(batch.digest, step)

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
            self.sync.want_certs(missing, sender, self.now, step, self._floor(), h.round - 1)
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
            self.sync.want_batches(missing_b, sender, self.now, step, h.round)
            return
        for part, d in h.payload:
            b = self.batch(d)
            if b is None or b.author != h.author or b.partition != part:
                self.waiting_headers.pop(h.author, None)
                step.faults.append(Fault(sender, FaultKind.MALFORMED, "payload", (h,)))
                return
        self.waiting_headers.pop(h.author, None)
        for _, d in h.payload:  # our vote says we hold them: durable before it is sent
            self.book.persist(d)
        self.last_votes[h.author] = (h.round, h.digest)
        self.store.put_last_vote(h.author, h.round, h.digest)
        sig = self.signer.sign(vote_signing_bytes(h.digest))
        self.verifier.remember(self.signer.public_key, vote_signing_bytes(h.digest), sig)
        vote = Vote(h.digest, h.round, h.author, self.me, sig)
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
        key = _cert_key(c)
        if key in self.rejected:
            step.faults.append(
                Fault(sender, FaultKind.BAD_SIGNATURE, "certificate rejected before", (c,))
            )
            return
        fault = check_certificate(
            c, self.schedule, self.verifier, self.cfg.max_header_batches, sender
        )
        if fault is not None:
            if fault.kind in (FaultKind.BAD_SIGNATURE, FaultKind.NO_QUORUM):
                self.rejected[key] = None  # votes and header exactly: never verified again
                if len(self.rejected) > REJECTED_CERTS:
                    del self.rejected[next(iter(self.rejected))]
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
                    floor = self._floor()
                    self.sync.want_certs(missing, sender, self.now, step, floor, cert.round - 1)
                    self.sync.want_batches(missing_b, sender, self.now, step, cert.round)
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
            self.book.referenced(d, cert.round)
        if cert.author == self.me:
            self.own_unordered[cert.digest] = cert
            if self.latest_own_cert is None or cert.round > self.latest_own_cert.round:
                self.latest_own_cert = cert
        self._abandon_orphan(cert.round - 1)
        for commit in self.rule.process(self.dag, self.schedule, cert):
            self._output(commit, step)

    def _abandon_orphan(self, round_: int) -> None:
        """Propose again now, not after garbage collection, the batches of our certificate
        of ``round_`` once it can never be ordered (``_orphan``)."""
        mine = self.dag.at(round_, self.me)
        if mine is None or mine.digest not in self.own_unordered:
            return
        if self._orphan(mine, {}):
            self._repropose(mine)

    def _orphan(self, cert: Certificate, memo: dict[Digest, bool]) -> bool:
        """Whether ``cert`` can never be ordered. With at most f Byzantine there is one
        certificate per author and round, and causal histories follow parents of the
        previous round only, so ``cert`` is ordered only through a certificate of the
        next round that references it and is itself ordered, or as an anchor on the
        support of the next round. Hence: every member's slot of the next round is
        decided (its certificate is known, or it is ours and we moved past that round
        without certifying it) and every certificate there that references ``cert`` can
        never be ordered either; for an anchor, nothing there references it (any
        reference is support). Certificates of higher rounds are judged the same way, so
        a chain of orphans (a slow validator referencing only its own late certificates)
        is found as soon as its top is, instead of at garbage collection."""
        known = memo.get(cert.digest)
        if known is not None:
            return known
        r = cert.round
        committee = self.schedule.for_round(r)
        anchor = cert.author == committee.leader(r) and (
            self.rule.anchors_every_round or r % 2 == 0
        )
        children = self.dag.round(r + 1)
        result = True
        for vid in self.schedule.for_round(r + 1).ids:
            child = children.get(vid)
            if child is None:
                if vid == self.me and self.proposed_round > r + 1:
                    continue  # our slot of r + 1 stays empty for ever
                result = False
                break
            if cert.digest in child.header.parents and (anchor or not self._orphan(child, memo)):
                result = False
                break
        memo[cert.digest] = result
        return result

    def _repropose(self, cert: Certificate) -> None:
        """Our ``cert`` can never be ordered: put its batches first in the queue, and record
        that durably so a restart does not propose them a second time."""
        del self.own_unordered[cert.digest]
        self.store.put_abandoned(cert.digest)
        self.book.requeue(cert.header.payload)

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
        for cert in list(self.own_unordered.values()):
            if cert.round <= gc:  # never ordered by anyone now: propose its batches again
                self._repropose(cert)
        self.book.collect(gc)
        self.seen_headers = {k: h for k, h in self.seen_headers.items() if k[0] > gc}
        self.waiting_headers = {a: e for a, e in self.waiting_headers.items() if e[0].round > gc}
        self.recheck.extend(self.sync.collect(gc))

    def _floor(self) -> int:
        return max(self.dag.gc_round, self._quorum_round() - 2)

    # ---- sync answers -------------------------------------------------------------------------
    def _on_cert_request(
        self, sender: ValidatorId, digests: tuple[Digest, ...], floor: int, step: Step
    ) -> None:
        found = answer_request(self._lookup, digests, floor, self.cfg.max_sync_response)
        if found:
            step.messages.append(Outbound(sender, CertificateResponse(tuple(found))))

    def _on_batch_request(
        self, sender: ValidatorId, digests: tuple[Digest, ...], step: Step
    ) -> None:
        """The requested batches we hold, in order, as many as fit one response under the
        decode limit (half of it, for the framing): the requester asks again for the rest."""
        budget = self.cfg.limits.max_message_bytes // 2
        found: list[Batch] = []
        used = 64
        for d in dict.fromkeys(digests[:256]):
            b = self.book.get(d)
            if b is None:
                continue
            # Encoded size, over-estimated: each tx has a header of at most 5 bytes, the
            # batch's author, ints and array headers fit in 32 bytes besides its id.
            size = b.size_bytes + 5 * len(b.txs) + len(b.author.encode()) + 32
            if used + size > budget:
                break
            used += size
            found.append(b)
        if found:
            step.messages.append(Outbound(sender, BatchResponse(tuple(found))))

    def _lookup(self, digest: Digest) -> Certificate | None:
        return self.dag.get(digest) or self.store.certificate(digest)

    # ---- proposing ----------------------------------------------------------------------------
    def _quorum_round(self) -> int:
        return quorum_round(self.dag, self.schedule)

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
        if base == self.proposed_round and not leader_ready(
            self.dag, self.schedule, base, self.rule.anchors_every_round
        ):
            if self.now - self.header_sent_ms < self.cfg.header_timeout_ms:
                return
        self._propose(nxt, step)

    def _propose(self, round_: int, step: Step) -> None:
        if self.header is not None and not self.certified:
            self.book.requeue(self.header.payload)  # uncertified: its batches go again
        self.proposed_round = round_
        for cert in sorted(self.own_unordered.values(), key=lambda c: c.round):
            self._abandon_orphan(cert.round)
        parents = (
            tuple(sorted(c.digest for c in self.dag.round(round_ - 1).values()))
            if round_ > 1
            else ()
        )
        for lane in self.lanes.values():  # the header carries what the lanes hold now
            batch = lane.flush()
            if batch is not None:
                self._seal(batch, step)
        payload = self.book.take(self.cfg.max_header_batches)
        epoch = self.schedule.for_round(round_).epoch
        digest = Header.body_digest(self.me, round_, epoch, parents, payload)
        sig = self.signer.sign(header_signing_bytes(digest))
        h = Header(self.me, round_, epoch, parents, payload, sig, digest)
        self.store.put_own_header(h)
        self.header, self.certified, self.votes = h, False, {}
        self.proposed_round = round_
        self.header_sent_ms = self.now
        self.header_retry_ms = self.now
        self.seen_headers[(round_, self.me)] = h
        self._send_header(None, h, step)
        self._try_vote(h, self.me, step)

    def _send_header(self, to: ValidatorId | None, h: Header, step: Step) -> None:
        """``h`` preceded by the batches it lists, in one group: a peer stores them before
        it sees the header, so it can vote at once, and its vote acknowledges them."""
        for _, d in h.payload:
            b = self.book.get(d)
            if b is not None:
                step.messages.append(Outbound(to, BatchMsg(b)))
        step.messages.append(Outbound(to, HeaderMsg(h)))

    # ---- retries ----------------------------------------------------------------------------
    def _retry(self, step: Step) -> None:
        """Per-request timers for sync; our uncertified header to non-voters every
        ``retry_ms`` after it was (re)sent, with its batches; our latest certificate every
        ``retry_ms``."""
        peers = [v for v in self.schedule.latest.ids if v != self.me]
        self.sync.retry(self.now, self.cfg.retry_ms, peers, step, self._floor(), self._missing)
        h = self.header
        if (
            h is not None
            and not self.certified
            and self.now - self.header_retry_ms >= self.cfg.retry_ms
        ):
            self.header_retry_ms = self.now
            if self.me not in self.votes:  # after a restart: the same vote again, not a new one
                self._try_vote(h, self.me, step)
            for vid in self.schedule.for_round(h.round).ids:
                if vid not in self.votes and vid != self.me:
                    self._send_header(vid, h, step)
        if self.now - self.last_rebroadcast_ms < self.cfg.retry_ms:
            return
        self.last_rebroadcast_ms = self.now
        if self.latest_own_cert is not None:
            step.messages.append(Outbound(None, CertificateMsg(self.latest_own_cert)))

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
        first = boundary_round(item.committed_round, self.cfg.reconfig_delay_rounds)
        try:
            self.schedule.add(first, new)
        except ValueError as exc:
            step.faults.append(Fault(self.me, FaultKind.BAD_ROUND, str(exc)))
            return
        self.changes.append((first, new))
        self.store.put_schedule(tuple(self.changes))
        # A certificate refused against the committee known before (a lagging node checks a
        # new epoch's certificate with the old keys and weights) may be valid now.
        self.rejected.clear()
        step.outputs.append(EpochScheduled(first, new))


__all__ = ["ChangeCommittee", "Engine", "Input", "SubmitTx"]
