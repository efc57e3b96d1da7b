"""`drex-bench consensus`: the pure engine's throughput, commit latency and message cost.

1. certificates/s: a fresh engine ingests pre-built, Ed25519-signed certificates of a
   fault-free DAG (decode + 2f+1 signature checks + DAG insert + Bullshark), and the commit
   rule alone on the same DAG;
2. fault-free commit latency in message delays, messages and bytes per committed batch,
   from the seeded simulator (real Ed25519) for each committee size;
3. engine CPU for ordering 10k tx/s in 500-transaction batches, as a fraction of one core.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time

from consensus.codec import encode
from consensus.commit_rule import Bullshark
from consensus.committee import Committee, Validator
from consensus.config import EngineConfig
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.dag import Dag
from consensus.engine import Engine
from consensus.inputs import SubmitTx
from consensus.sim.network import Instance, Simulation
from consensus.sim.scenario import draw
from consensus.step import CommittedSubDag
from consensus.storage import MemoryStorage
from consensus.types import (
    BatchMsg,
    Certificate,
    CertificateMsg,
    Header,
    header_signing_bytes,
    vote_signing_bytes,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the consensus suite."""
    parser.add_argument("--sizes", default="4,10,20", help="committee sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=60, help="DAG rounds for certificates/s")
    parser.add_argument("--sim-ms", type=int, default=1500, help="simulated ms per latency run")
    parser.add_argument("--seed", type=int, default=1)


def _log(msg: str) -> None:
    print(f"[consensus-bench] {msg}", file=sys.stderr, flush=True)


def _signers(n: int) -> tuple[list[Ed25519Signer], Committee, Ed25519Signer]:
    signers = [Ed25519Signer(hashlib.sha256(b"bench/%d" % i).digest()) for i in range(n)]
    authority = Ed25519Signer(hashlib.sha256(b"bench/authority").digest())
    vs = [Validator(f"v{i:02d}", s.public_key, 1) for i, s in enumerate(signers)]
    return signers, Committee.create(0, vs).signed(authority), authority


def build_dag(n: int, rounds: int) -> tuple[list[Certificate], Committee, Ed25519Signer]:
    """A fault-free DAG: every certificate references all of the previous round."""
    signers, committee, authority = _signers(n)
    ids = committee.ids
    certs: list[Certificate] = []
    prev: tuple[bytes, ...] = ()
    for r in range(1, rounds + 1):
        layer = []
        for i, author in enumerate(ids):
            d = Header.body_digest(author, r, 0, prev, ())
            h = Header(author, r, 0, prev, (), signers[i].sign(header_signing_bytes(d)), d)
            votes = tuple(
                (ids[j], signers[j].sign(vote_signing_bytes(d))) for j in range(committee.quorum)
            )
            layer.append(Certificate(h, votes))
        certs.extend(layer)
        prev = tuple(sorted(c.digest for c in layer))
    return certs, committee, authority


def certificates_per_second(n: int, rounds: int) -> dict[str, float]:
    """Engine ingest rate (bytes in, full validation) and commit-rule-only rate."""
    certs, committee, authority = build_dag(n, rounds)
    wire = [encode(CertificateMsg(c)) for c in certs]
    observer = f"v{n - 1:02d}"
    cfg = EngineConfig(observer, committee, authority.public_key, gc_depth=50)
    signer = Ed25519Signer(hashlib.sha256(b"bench/%d" % (n - 1)).digest())
    engine = Engine(cfg, signer, Ed25519Verifier(), MemoryStorage())
    commits = 0
    t0 = time.process_time()
    for c, data in zip(certs, wire, strict=True):
        step = engine.handle_message(c.author, data)
        commits += sum(isinstance(o, CommittedSubDag) for o in step.outputs)
    engine_s = time.process_time() - t0
    dag = Dag()
    rule = Bullshark(50)
    schedule = engine.schedule
    t0 = time.process_time()
    for c in certs:
        dag.insert(c)
        rule.process(dag, schedule, c)
    rule_s = time.process_time() - t0
    return {
        "certificates": len(certs),
        "commits": commits,
        "engine_certificates_per_s": round(len(certs) / engine_s, 1),
        "commit_rule_certificates_per_s": round(len(certs) / rule_s, 1),
        "signature_checks_per_certificate": committee.quorum,
    }


class _TimedSimulation(Simulation):
    """A simulation that accounts the CPU time spent inside the engines."""

    engine_s = 0.0

    def _handle(self, inst: Instance, kind: int, payload: object) -> None:
        t0 = time.process_time()
        super()._handle(inst, kind, payload)
        self.engine_s += time.process_time() - t0


def _simulate(
    n: int,
    seed: int,
    sim_ms: int,
    tx_interval_ms: int,
    overrides: dict[str, object],
    latency: str = "constant",
) -> _TimedSimulation:
    sc = draw(seed, n, 0, 0, faults=False, fault_window_ms=0, tail_ms=sim_ms, latency=latency)
    sc = dataclasses.replace(sc, tx_interval_ms=tx_interval_ms)
    sim = _TimedSimulation(sc, real_crypto=True, overrides=overrides)
    sim.run()
    return sim


def _latency_delays(sim: Simulation) -> float:
    rec = sim.instances[sim.sc.ids[0]].record
    lat = [
        (t - sim.proposed[leader]) / sim.sc.mean_latency
        for (_, _, leader, _), t in zip(rec.commits, rec.commit_times, strict=True)
        if leader in sim.proposed
    ]
    return round(sum(lat) / max(1, len(lat)), 3)


def latency_and_cost(n: int, seed: int, sim_ms: int) -> dict[str, float]:
    """Fault-free latency in message delays (every message takes exactly one delay of
    10 ms, and with 1-20 ms uniform jitter normalised by the mean) and messages/bytes per
    committed batch."""
    sim = _simulate(n, seed, sim_ms, 20, {})
    jitter = _simulate(n, seed, sim_ms, 20, {}, latency="uniform")
    rec = sim.instances[sim.sc.ids[0]].record
    batches = max(1, len(rec.committed_batches))
    return {
        "commits": len(rec.commits),
        "mean_commit_latency_message_delays": _latency_delays(sim),
        "mean_commit_latency_message_delays_jitter_1_20ms": _latency_delays(jitter),
        "committed_batches": len(rec.committed_batches),
        "messages_per_committed_batch": round(sim.messages / batches, 2),
        "bytes_per_committed_batch": round(sim.bytes / batches, 1),
    }


def batch_cost_per_node(n: int, txs_per_batch: int = 500, tx_bytes: int = 100) -> float:
    """CPU seconds one node spends per batch of the network: the author's lane work
    (``SubmitTx`` x 500, seal, encode) shared by n, plus receiving (decode, digest, store,
    acknowledge) the batches of the others. Best of three."""
    signers, committee, authority = _signers(2)
    ids = committee.ids
    engines = [
        Engine(
            EngineConfig(ids[i], committee, authority.public_key, batch_max_txs=txs_per_batch),
            signers[i],
            Ed25519Verifier(),
            MemoryStorage(),
        )
        for i in range(2)
    ]
    best_submit = best_receive = float("inf")
    for rep in range(3):
        txs = [b"%d/%d/" % (rep, k) + b"x" * tx_bytes for k in range(txs_per_batch)]
        t0 = time.process_time()
        sealed = None
        for tx in txs:
            step = engines[0].handle_input(SubmitTx(0, tx))
            for out in step.messages:
                if isinstance(out.message, BatchMsg):
                    sealed = encode(out.message)
        t1 = time.process_time()
        assert sealed is not None
        engines[1].handle_message(ids[0], sealed)
        t2 = time.process_time()
        best_submit = min(best_submit, t1 - t0)
        best_receive = min(best_receive, t2 - t1)
    return best_submit / n + best_receive * (n - 1) / n


def core_fraction_for_10k_tps(
    n: int, seed: int, sim_ms: int, header_delay_ms: int = 0
) -> dict[str, float]:
    """CPU of one engine to order 10k tx/s in 500-transaction batches, per node.

    = (engine CPU per round per node, from a fault-free run with real Ed25519, paced by
    ``min_header_delay_ms``) x (rounds per second of that run) + 20 batches/s x (CPU per
    batch per node, measured directly). The simulator's delays are ~10 ms, so unpaced runs
    reach about 30 rounds/s, far more than a deployment needs.
    """
    overrides: dict[str, object] = {"min_header_delay_ms": header_delay_ms}
    idle = _simulate(n, seed, sim_ms, 10**9, overrides)
    rounds = max(e.engine.proposed_round for e in idle.instances.values() if e.engine)
    per_round = idle.engine_s / n / max(1, rounds)
    rounds_per_s = rounds / (sim_ms / 1000)
    per_batch = batch_cost_per_node(n)
    fraction = per_round * rounds_per_s + 20 * per_batch
    return {
        "sim_rounds_per_s": round(rounds_per_s, 1),
        "cpu_ms_per_round_per_node": round(per_round * 1000, 3),
        "cpu_ms_per_batch_per_node": round(per_batch * 1000, 3),
        "core_fraction_10k_tps_500_tx_batches": round(fraction, 4),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    """Run the suite; return one JSON-serialisable object."""
    sizes = [int(s) for s in str(args.sizes).split(",") if s]
    out: dict[str, object] = {"sizes": sizes, "seed": args.seed}
    per: dict[str, object] = {}
    for n in sizes:
        _log(f"n={n}: building and ingesting {args.rounds} rounds of certificates")
        row: dict[str, object] = dict(certificates_per_second(n, args.rounds))
        _log(f"n={n}: fault-free simulation for latency and message cost")
        row.update(latency_and_cost(n, args.seed, args.sim_ms))
        if n <= 10:
            _log(f"n={n}: engine CPU for 10k tx/s (unpaced, min_header_delay_ms 100 and 200)")
            row["cpu_unpaced"] = core_fraction_for_10k_tps(n, args.seed, args.sim_ms)
            for delay in (100, 200):
                row[f"cpu_header_delay_{delay}ms"] = core_fraction_for_10k_tps(
                    n, args.seed, args.sim_ms, header_delay_ms=delay
                )
        per[str(n)] = row
    out["by_committee_size"] = per
    return out
