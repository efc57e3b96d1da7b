"""``Node``: the composition root. Reads config, genesis and credentials, opens RocksDB,
builds the ledger core, admission, the consensus driver (voting roles) or the follower
sync and forwarder (other roles), and serves the role's gRPC services over mTLS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from consensus.committee import Committee, CommitteeChange, CommitteeSchedule
from consensus.config import EngineConfig
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.engine import ChangeCommittee, Engine
from drex_node.api.admin_servicer import AdminServicer
from drex_node.api.audit_servicer import AuditServicer
from drex_node.api.backends import BlockView, NodeStatusView, SubmitResult, SubmitStatus, TxInfo
from drex_node.api.consensus_servicer import ConsensusServicer
from drex_node.api.ledger_servicer import LedgerServicer
from drex_node.config.model import NodeConfig
from drex_node.genesis import load_genesis
from drex_node.ledger.commit import block_receipts
from drex_node.ledger.execute import BlockResult
from drex_node.ledger.state import BLOCKS, RECEIPTS
from drex_node.ledger.tx import TxDecodeError, decode
from drex_node.metrics import NodeMetrics
from drex_node.net.server import NodeServer, ServerConfig, Servicers, build_server
from drex_node.node.committee import central_bank_of, committee_from_genesis
from drex_node.node.reconfig import (
    check_change,
    committed_changes,
    first_round,
    load_scheduled,
    recover_latest,
    save_scheduled,
)
from drex_node.node.services import (
    VERSION,
    AdminService,
    AuditService,
    ConsensusService,
    LedgerService,
    committee_view,
    tx_info_from_store,
)
from drex_node.policy.host import load_registry
from drex_node.runtime.admission import Admission, Admitted
from drex_node.runtime.admitted import ADMITTED_NS, AdmittedLog
from drex_node.runtime.blocks import RECORDS_NS, Candidate
from drex_node.runtime.blocksync import BlockSync
from drex_node.runtime.driver import ConsensusDriver
from drex_node.runtime.engine_store import CONSENSUS_NS, KVEngineStorage
from drex_node.runtime.forwarder import Forwarder
from drex_node.runtime.ledger_core import LedgerCore
from drex_node.runtime.outcome import Attestor
from drex_node.runtime.pending import PendingTable
from drex_node.runtime.scopedsync import ScopedSync
from drex_node.runtime.sigpool import SignatureVerifier
from drex_node.runtime.transport import Transport
from drex_node.runtime.walsync import WalSync
from drex_node.security.acl import Authorizer
from drex_node.security.store import load_credentials
from drex_node.storage.cache import CachedStore
from drex_node.storage.rocks import RocksStore

log = logging.getLogger("drex_node.node")
LAG_CHECK_S = 2.0
RESUBMIT_S = 10.0
WRITE_ONCE_NAMESPACES = (BLOCKS, RECEIPTS, CONSENSUS_NS, RECORDS_NS, ADMITTED_NS)


def read_seed(path: os.PathLike[str] | str) -> bytes:
    """A 32-byte Ed25519 seed stored as hex."""
    with open(path, encoding="ascii") as f:
        seed = bytes.fromhex(f.read().strip())
    if len(seed) != 32:
        raise ValueError(f"{path}: expected a 32-byte hex seed")
    return seed


class Node:
    """One running node."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        c = config.node
        self.genesis = load_genesis(config.path(c.genesis))
        unknown = [p for p in c.partitions if p not in self.genesis.partitions]
        if unknown:
            raise ValueError(f"node.partitions: unknown partitions {unknown} (not in genesis)")
        self.committee = committee_from_genesis(self.genesis, str(config.path(c.genesis)))
        self.credentials = load_credentials(config.path(c.credentials))
        self.metrics = NodeMetrics()
        db_dir = config.path(c.data_dir) / "db"
        # The cache holds the hot state (accounts, assets, directory, head); namespaces
        # written once and rarely read again go straight to RocksDB.
        self.store = CachedStore(RocksStore(db_dir), uncached=WRITE_ONCE_NAMESPACES)
        wal = WalSync(db_dir)  # fsyncs that let the event loop run (ADR 0070)
        self.verifier = SignatureVerifier(config.admission.verify_workers)
        self.pending = PendingTable(
            config.admission.max_pending, config.admission.pending_timeout_s
        )
        try:
            self.core = LedgerCore(
                self.store,
                self.genesis,
                load_registry(),
                self.verifier,
                self.pending,
                self.metrics,
                wal=wal,
                partitions=c.partitions if c.scoped else None,
            )
        except Exception:
            self.verifier.close()
            self.store.close()  # release the database lock: a corrected config may retry
            raise
        self.admission = Admission(
            self.core, config.admission, kept=c.partitions if c.scoped else None
        )
        self.driver: ConsensusDriver | None = None
        self.forwarder: Forwarder | None = None
        self.sync: BlockSync | ScopedSync
        self.server: NodeServer | None = None
        self.metrics_port: int | None = None
        self._turn: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.healthy = False
        self.schedule: CommitteeSchedule | None = None
        self.delay_rounds = 0
        addresses = {v.id: v.address for v in self.committee.validators}
        if c.votes:
            if not self.committee.is_member(c.institution):
                raise ValueError(f"node.institution: {c.institution!r} is not in the committee")
            cs = config.consensus
            ecfg = EngineConfig(
                me=c.institution,
                genesis=self.committee,
                authority_public_key=self.genesis.authority,
                partitions=tuple(range(len(self.genesis.partitions))),
                gc_depth=self.genesis.gc_depth,
                header_timeout_ms=cs.header_timeout_ms,
                retry_ms=cs.retry_ms,
                batch_max_txs=cs.batch_max_txs,
                # A header seals every non-empty lane (ADR 0079); the timer only bounds
                # how long a lane holds a transaction while no header is proposed.
                batch_timeout_ms=cs.batch_timeout_ms,
                min_header_delay_ms=cs.header_delay_ms,
                commit_rule=self.genesis.commit_rule,
            )
            seed = read_seed(config.path(c.consensus_key))
            storage = KVEngineStorage(self.store, wal=wal)
            engine = Engine(ecfg, Ed25519Signer(seed), Ed25519Verifier(), storage)
            # What it executes, it signs for partition-scoped followers (ADR 0077).
            self.core.attestor = Attestor(self.genesis.chain_id, c.institution, Ed25519Signer(seed))
            transport = Transport(
                c.institution, addresses, self.credentials, config.network.peer_queue, self.metrics
            )
            self.driver = ConsensusDriver(
                engine, storage, transport, self.core.commit, cs, self.metrics
            )
            self.driver.on_peer_batch = self.core.preverify
            self.driver.on_ordered = self.core.publish
            peers = [a for vid, a in sorted(addresses.items()) if vid != c.institution]
            self.sync = BlockSync(
                self.core, peers, self.credentials, lambda: engine.schedule, self.metrics
            )
            self.core.on_gap = lambda _h: self.sync.trigger()
            self.delay_rounds = ecfg.reconfig_delay_rounds
        else:
            schedule = CommitteeSchedule(self.committee)
            # Committee changes this follower scheduled before a restart (ADR 0065).
            for why in load_scheduled(
                self.store, schedule, self.genesis.authority, Ed25519Verifier()
            ):
                log.error("stored %s; not scheduled", why)
            self.schedule = schedule
            self.delay_rounds = EngineConfig(
                me="", genesis=self.committee, authority_public_key=self.genesis.authority
            ).reconfig_delay_rounds
            why_not = recover_latest(
                self.store,
                schedule,
                self.genesis.authority,
                Ed25519Verifier(),
                self.delay_rounds,
                self.genesis.commit_rule,
            )
            if why_not is not None:
                log.error("%s; not scheduled", why_not)
            upstream = list(config.network.upstream)
            self.forwarder = Forwarder(upstream, self.credentials, config.network.forward_spread)
            if c.scoped:
                self.sync = ScopedSync(
                    self.core,
                    upstream,
                    self.credentials,
                    lambda: schedule,
                    self.metrics,
                    c.partitions,
                )
            else:
                self.sync = BlockSync(
                    self.core, upstream, self.credentials, lambda: schedule, self.metrics
                )

        self.admitted = AdmittedLog(self.store)
        self.core.on_applied = self._applied

    def _applied(self, cand: Candidate, result: BlockResult) -> None:
        self.admitted.settle(r.tx_hash for r in result.receipts)
        self._committee_changes(cand, result)

    def _committee_changes(self, cand: Candidate, result: BlockResult) -> None:
        """Schedule the committee changes a block applied with an OK receipt (ADR 0065)."""
        for change in committed_changes(cand, result):
            schedule = self.committee_schedule()
            why = check_change(change, schedule, self.genesis.authority, Ed25519Verifier())
            if why is not None:
                log.error("committee change at height %d not scheduled: %s", cand.block.height, why)
                continue
            if self.driver is not None:
                self.driver.input(
                    ChangeCommittee(CommitteeChange(change), cand.record.leader_round)
                )
                for v in change.validators:
                    self.driver.transport.add(v.id, v.address)
            else:
                first = first_round(cand.record.leader_round, self.delay_rounds)
                schedule.add(first, change)
                save_scheduled(self.store, first, change)
                if isinstance(self.sync, ScopedSync):
                    self.sync.restart_attestations()  # new members' may have been refused
            log.info(
                "committee of epoch %d committed at height %d", change.epoch, cand.block.height
            )

    def committee_schedule(self) -> CommitteeSchedule:
        """The committee schedule (the engine's on validators)."""
        if self.driver is not None:
            return self.driver.engine.schedule
        assert self.schedule is not None
        return self.schedule

    # ---- lifecycle -----------------------------------------------------------------------
    def _servicers(self) -> Servicers:
        role = self.config.node.role
        s = Servicers()
        # Every role serves Ledger (audit nodes too: status and verified reads; ADR 0061).
        s.ledger = LedgerServicer(LedgerService(self))
        if self.driver is not None or role in ("tier2", "tier3", "edge", "audit"):
            s.consensus = ConsensusServicer(ConsensusService(self))
        if role == "central-bank":
            s.admin = AdminServicer(AdminService(self))
        if role in ("audit", "central-bank"):
            s.audit = AuditServicer(AuditService(self))
        return s

    async def start(self) -> None:
        """Open the server and start consensus or following."""
        host, _, port = self.config.network.listen.rpartition(":")
        self.server = build_server(
            self.credentials,
            self._servicers(),
            ServerConfig(
                host=host, port=int(port), max_receive_bytes=self.config.network.max_receive_bytes
            ),
            Authorizer(central_bank_institution=central_bank_of(self.genesis)),
        )
        await asyncio.get_running_loop().run_in_executor(None, self.verifier.warm)
        if self.config.metrics.listen:
            self.metrics_port = self.metrics.serve(self.config.metrics.listen)
        await self.server.start()
        if self.driver is not None:
            self.driver.transport.start()
            self.driver.start()
            self._replay_admitted()
            self.sync.trigger()
            self._tasks.append(asyncio.create_task(self._lag_check(), name="lag-check"))
        else:
            self.sync.start_following()
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        self.healthy = True
        log.info(
            "node %s (%s) serving on port %d at height %d",
            self.config.node.name,
            self.config.node.role,
            self.server.port,
            self.core.height,
        )

    def _replay_admitted(self) -> None:
        """Hand to the lanes again what this validator acknowledged before a crash but
        never committed (ADR 0066)."""
        assert self.driver is not None
        rows = self.admitted.replay()
        for tx_hash, _, _ in rows:
            self.pending.add(tx_hash)
        if rows:
            self.driver.submit([(p, entry) for _, p, entry in rows])
            log.info("resubmitted %d admitted transactions to the lanes", len(rows))

    async def _housekeeping(self) -> None:
        n = 0
        while True:
            await asyncio.sleep(1)
            n += 1
            if self.forwarder is not None:
                await self._resubmit()
            if n % 5 == 0:
                self.pending.expire()
                self.metrics.pending.set(len(self.pending))

    async def _resubmit(self) -> None:
        """An entry point forwards again what its validator admitted but never committed
        (the validator crashed with it in a lane): the ledger applies a transaction once."""
        raws = self.pending.stale(RESUBMIT_S, 1024)
        txs = []
        for raw in raws:
            try:
                txs.append(decode(raw))
            except TxDecodeError:
                continue
        if txs and self.forwarder is not None:
            self.forwarder.enqueue(txs)  # answers are not awaited: the commit is what counts

    async def _lag_check(self) -> None:
        """A validator whose ledger stopped advancing asks its peers for newer blocks."""
        while True:
            await asyncio.sleep(LAG_CHECK_S)
            if time.monotonic() - self.core.last_applied_at > LAG_CHECK_S:
                self.sync.trigger()

    async def stop(self) -> None:
        """Graceful stop: refuse new calls, stop tasks, close storage."""
        self.healthy = False
        if self.server is not None:
            await self.server.stop(1.0)
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self.sync.stop()
        if self.driver is not None:
            await self.driver.stop()
            await self.driver.transport.stop()
        if self.forwarder is not None:
            await self.forwarder.close()
        self.core.close()
        self.verifier.close()
        self.store.close()

    # ---- operations used by the services -----------------------------------------------------
    async def submit(
        self, raws: list[bytes], lane_entries: dict[bytes, bytes] | None = None
    ) -> list[SubmitResult]:
        """Admit transactions, then feed them to the local lanes or queue them for
        forwarding, in the order the calls arrived (one sender's nonces stay in order).
        ``lane_entries`` replaces what goes into the lane for some transaction hashes (a
        committee change's carrier, validators only)."""
        t_in = time.monotonic()
        prev = self._turn
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turn = mine
        try:
            outcomes = await self.admission.check(raws, lane_entries or ())
            admitted = [o for o in outcomes if isinstance(o, Admitted)]
            try:
                if prev is not None:
                    # shielded: this call's cancellation must not cancel the earlier
                    # call's turn (that call would then fail to hand its turn on)
                    await asyncio.shield(prev)
                for a in admitted:
                    self.pending.add(a.tx.hash, a.tx.raw if self.forwarder is not None else b"")
                self.metrics.pending.set(len(self.pending))
                if self.driver is not None:
                    entries = lane_entries or {}
                    rows = [
                        (a.tx.hash, a.partition, entries.get(a.tx.hash, a.tx.raw)) for a in admitted
                    ]
                    self.admitted.record(rows)
                    self.driver.submit([(p, entry) for _, p, entry in rows])
                    waits = None
                else:
                    assert self.forwarder is not None
                    waits = self.forwarder.enqueue([a.tx for a in admitted])
            finally:
                # In the pending table now, or given up (cancelled, failed): admission no
                # longer holds their room and hashes.
                self.admission.release(a.tx.hash for a in admitted)
        finally:
            self._pass_turn(prev, mine)
        if self.driver is not None and admitted:
            await self.driver.durable()  # acknowledged only once on disk (ADR 0066)
        done: dict[bytes, SubmitResult] = {}
        t_admit = time.monotonic()
        self.metrics.stage.labels("admission").observe(t_admit - t_in)
        if waits is None:
            done = {a.tx.hash: SubmitResult(a.tx.hash, SubmitStatus.ACCEPTED) for a in admitted}
        else:
            for a, r in zip(admitted, await asyncio.gather(*waits), strict=True):
                done[a.tx.hash] = r
                if r.status is SubmitStatus.REJECTED:
                    self.pending.discard(a.tx.hash)
            self.metrics.stage.labels("forward").observe(time.monotonic() - t_admit)
        return [done[o.tx.hash] if isinstance(o, Admitted) else o for o in outcomes]

    def _pass_turn(self, prev: asyncio.Future[None] | None, mine: asyncio.Future[None]) -> None:
        """Let the next call go once this one is done and every earlier one too: a call
        that ends early (cancelled, refused) must not let later calls overtake a call
        still ahead of it."""

        def release(_: object = None) -> None:
            if not mine.done():
                mine.set_result(None)
            if self._turn is mine:
                self._turn = None

        if prev is None or prev.done():
            release()
        else:
            prev.add_done_callback(release)

    def tx_info(self, tx_hash: bytes) -> TxInfo:
        """PENDING / COMMITTED / REJECTED / UNKNOWN with reason and position."""
        return tx_info_from_store(self, tx_hash)

    def block_view(self, height: int) -> BlockView | None:
        """A committed block with its receipts."""
        rec = self.core.record(height)
        if rec is None:
            return None
        receipts = block_receipts(self.store, height)
        return BlockView(
            height,
            rec.block_hash,
            rec.parent_hash,
            rec.state_root,
            rec.epoch,
            [r.tx_hash for r in receipts],
            [r.encode() for r in receipts],
        )

    def committees(self) -> list[Committee]:
        """Known committees, oldest first."""
        return [c for _, c in self.committee_schedule().entries]

    def status(self) -> NodeStatusView:
        """Role, height, state root, committee and epoch."""
        rec = self.core.record(self.core.height)
        committee = self.committees()[-1]
        c = self.config.node
        return NodeStatusView(
            c.role,
            c.institution,
            c.name,
            self.core.height,
            self.core.root,
            rec.block_hash if rec is not None else b"",
            committee.epoch,
            committee_view(committee),
            self.healthy,
            VERSION,
        )
