"""System benchmark: open-loop load at rising rates against a fresh local network.

Starts the 7-node loopback network (1 central-bank + 3 tier1 + tier2 + edge + audit) in a
temporary directory, measures Ed25519 verifications per second on one core in the same run
(before the nodes start and after they stop, keeping the highest: on a shared machine a
slow moment during one measurement must not lower the bound and inflate the ratio),
drives signed transfers through the entry points at each rate, finds the saturation rate
(highest committed tx/s; the search stops once two rates in a row commit less than 80 % of
what was offered, or one does and commits less than an earlier rate; past the end of
``--rates`` it goes on in steps of ``RATE_STEP`` until it finds saturation, the load
generator cannot keep its schedule, or ``--max-rate``), then measures submit -> commit
latency at 50% and 80% of it. Each point starts once the cores are quiet again (at most
``SETTLE_MAX_S``): the last point's drain and compactions are not charged to the next.

    ratio_to_sig_bound = committed tx/s at saturation
                         / (Ed25519 verifications/s/core x cores / nodes verifying each tx)

``nodes verifying`` counts what the network really does per transaction: every node that
executes every block verifies every transaction once (validators, edge, audit); a
partition-scoped follower (tier2 with ``partitions``, ADR 0077) executes nothing and
verifies only what it admits, its share of the entry points' submissions.
A latency-vs-throughput PNG is written next to the JSON.

The load generator runs in this process, on the same cores as the 14 node and verifier
processes. Once the nodes are started it raises its own scheduling priority (nice
``GENERATOR_NICE``, where the OS allows it): clients of a real network run elsewhere,
and a generator starved of CPU sends late, which is not open-loop load (each point's
``send_s`` shows how long sending took).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.bindings

from consensus.commit_rule import RULES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``drex-bench system``."""
    parser.add_argument("--rates", default="100,200,400,700,1000,1400,2000", help="tx/s, ascending")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per rate")
    parser.add_argument(
        "--max-rate",
        type=float,
        default=8000.0,
        help="past the end of --rates, the search goes on in steps of x1.25 up to this",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=4000,
        help="users per partition (each keeps one transaction in flight: past saturation, "
        "latency times rate must stay below the pool or the load stops being open-loop)",
    )
    parser.add_argument("--out", default="bench-results", help="directory for JSON and PNG")
    parser.add_argument("--dir", default="", help="network directory (default: a temp dir)")
    parser.add_argument(
        "--commit-rule",
        choices=RULES,
        default="bullshark",
        help="consensus commit rule of the network's genesis (ADR 0078)",
    )


GENERATOR_NICE = -5
RATE_STEP = 1.25
SEND_SLACK = 1.2  # sending took longer than this x duration: the generator fell behind


def search_saturation(
    ladder: list[float],
    measure: Callable[[float], dict[str, Any]],
    duration: float,
    max_rate: float,
) -> tuple[list[dict[str, Any]], str]:
    """Run ``measure`` at rising rates until the network is saturated; returns the points
    and why the search stopped: ``saturated`` (two rates in a row committed less than 80 %
    of what was offered, or one did and committed less than an earlier rate),
    ``generator`` (the load generator could not send at the rate: its point is kept, no
    higher rate is tried), ``users`` (every user had a transaction in flight, so load was
    no longer open-loop) or ``max_rate``. Past the end of ``ladder`` rates grow by
    ``RATE_STEP``: a ladder that ends below saturation must not cap what is reported."""
    points: list[dict[str, Any]] = []
    behind = 0
    rates = list(ladder)
    while True:
        if len(points) < len(rates):
            rate = rates[len(points)]
        else:
            last = points[-1]["target_tps"]
            rate = max(round(last * RATE_STEP / 50) * 50, last + 50)
            if rate > max_rate:
                return points, "max_rate"
            rates.append(rate)
        out = measure(rate)
        points.append(out)
        # Saturated once two rates in a row fall behind (or commits stop growing): this
        # network runs rounds as fast as its CPU allows, so a moderate rate can fall
        # behind for a while (small batches, fixed per-round cost) while a higher one,
        # with fuller batches, commits more.
        behind = behind + 1 if out["committed_tps"] < 0.8 * rate else 0
        best = max((p["committed_tps"] for p in points[:-1]), default=0.0)
        if behind >= 2 or (behind and out["committed_tps"] < best):
            return points, "saturated"
        if out.get("send_s", 0.0) > SEND_SLACK * duration:
            return points, "generator"
        if out.get("not_sent_no_idle_user", 0):
            return points, "users"


def _raise_priority() -> int | None:
    """Run this process (the load generator) at ``GENERATOR_NICE``; returns the nice value
    in force, or None where the OS refused (an unprivileged user)."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, GENERATOR_NICE)
    except OSError:
        return None
    return os.getpriority(os.PRIO_PROCESS, 0)


def sig_verifications_per_core(seconds: float = 1.0) -> float:
    """Ed25519 verifications per second on one core (libsodium via PyNaCl), over one
    ``seconds`` window."""
    msgs = []
    for i in range(256):
        pk, sk = nacl.bindings.crypto_sign_seed_keypair(i.to_bytes(32, "big"))
        msgs.append((nacl.bindings.crypto_sign(b"drex:sig:v1" + bytes(32), sk), pk))
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for signed, pk in msgs:
            nacl.bindings.crypto_sign_open(signed, pk)
        n += len(msgs)
    return n / (time.perf_counter() - t0)


SIG_SAMPLES = 3


def sig_rate(samples: int = SIG_SAMPLES, seconds: float = 0.5) -> float:
    """The best of ``samples`` measurements of :func:`sig_verifications_per_core`: what the
    core can do, not what a neighbour on a shared host left of it at one moment."""
    return max(sig_verifications_per_core(seconds) for _ in range(samples))


def _free_base(count: int) -> int:
    for base in range(24000, 30000, count):
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no free port range")


ECHO = "import os\nwhile os.read(0, 1):\n    os.write(1, b'x')\n"
WAKEUP_ROUNDS = 2000
FSYNC_SAMPLES = 100


def host_wakeup_us(rounds: int = WAKEUP_ROUNDS) -> float:
    """Median round trip of one byte to another process and back through pipes, in µs.

    Every hop of the network (gRPC, a verifier, a thread hand-off) pays a wake-up like
    this; hosts differ in it by several times while their per-core speed is the same, so
    results from different hosts compare only with it beside them."""
    child = subprocess.Popen(
        [sys.executable, "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
    )
    assert child.stdin is not None and child.stdout is not None
    w, r = child.stdin.fileno(), child.stdout.fileno()
    times = []
    try:
        for _ in range(rounds):
            t0 = time.perf_counter()
            os.write(w, b"x")
            os.read(r, 1)
            times.append(time.perf_counter() - t0)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
        child.stdout.close()
    return round(statistics.median(times) * 1e6, 1)


def host_fsync_ms(directory: Path, samples: int = FSYNC_SAMPLES) -> dict[str, float]:
    """p50 and p99 of a 4 KiB append + fsync in ``directory`` (the nodes' disk), in ms."""
    path = directory / ".fsync-probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(samples):
            os.write(fd, bytes(4096))
            t0 = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return {
        "p50": round(times[len(times) // 2] * 1e3, 3),
        "p99": round(times[min(len(times) - 1, int(0.99 * len(times)))] * 1e3, 3),
    }


STAGE_METRIC = "drex_runtime_stage_seconds"


def stage_totals(metrics_address: str) -> dict[str, tuple[float, float]]:
    """(sum of seconds, count) per pipeline stage from a node's /metrics; empty when the
    node does not answer (a point's breakdown is a diagnostic, never a reason to fail)."""
    try:
        with urllib.request.urlopen(f"http://{metrics_address}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    except (OSError, ValueError):
        return {}
    from prometheus_client.parser import text_string_to_metric_families

    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != STAGE_METRIC:
            continue
        for sample in family.samples:
            into = {STAGE_METRIC + "_sum": sums, STAGE_METRIC + "_count": counts}.get(sample.name)
            if into is not None:
                into[sample.labels["stage"]] = sample.value
    return {k: (sums[k], counts.get(k, 0.0)) for k in sums}


def stage_means_ms(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Mean milliseconds per stage between two :func:`stage_totals` snapshots (stages
    that saw no event in between are left out)."""
    out = {}
    for k, (total, n) in after.items():
        t0, n0 = before.get(k, (0.0, 0.0))
        if n > n0:
            out[k] = round((total - t0) / (n - n0) * 1000, 1)
    return out


SETTLE_IDLE = 0.25  # a point starts once the cores were busy less than this for a second
SETTLE_MAX_S = 30.0


def _cpu_busy() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot; None where /proc/stat is missing."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(v) - v[3] - v[4], sum(v)  # idle and iowait are not busy


def settle(max_s: float = SETTLE_MAX_S, idle: float = SETTLE_IDLE) -> float:
    """Wait until the machine is quiet (the previous point's drain, flushes and
    compactions done: a point measures its own load, not the last one's aftermath), at
    most ``max_s``; returns the seconds waited."""
    t0 = time.monotonic()
    prev = _cpu_busy()
    while prev is not None and time.monotonic() - t0 < max_s:
        time.sleep(1.0)
        cur = _cpu_busy()
        if cur is None:
            break
        busy, total = cur[0] - prev[0], cur[1] - prev[1]
        if total > 0 and busy / total < idle:
            break
        prev = cur
    return round(time.monotonic() - t0, 1)


_NONCES: dict[int, int] = {}  # users' nonces after the last run that lost nothing


def _probes(net: Any) -> dict[str, Any]:
    """Where each point's stage breakdown comes from: the first tier1 validator and the
    edge (the entry point that forwards)."""
    validator = next((e for e in net.nodes if e.role == "tier1"), net.nodes[0])
    entry = next((e for e in net.nodes if e.role == "edge"), net.entry_points()[0])
    return {"validator": validator, "entry": entry}


def _load(net: Any, rate: float, duration: float) -> dict[str, Any]:
    from drex_node.testnet.load import LoadGen

    waited = settle()
    probes = _probes(net)
    before = {k: stage_totals(e.metrics) for k, e in probes.items()}
    gen = LoadGen(net, seed=int(rate), nonces=_NONCES)
    out = asyncio.run(gen.run(rate, duration, drain_s=30))
    out["settle_s"] = waited
    # Mean ms per pipeline stage during the point (DESIGN §8 metrics), to show where the
    # latency went: rounds, lanes, commit, apply on a validator; admission, forwarding
    # and applying on the edge.
    out["stages_ms"] = {
        f"{k} ({e.name})": stage_means_ms(before[k], stage_totals(e.metrics))
        for k, e in probes.items()
    }
    _NONCES.clear()
    if out["lost"] == 0:  # every nonce handed out is known to have committed or not
        _NONCES.update(gen.nonce)
    print(f"system: {rate:.0f} tx/s -> {json.dumps(out)}", file=sys.stderr)
    return out


def _plot(points: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = sorted(points, key=lambda p: p["target_tps"])  # in order of offered load
    x = [p["committed_tps"] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(x, [p["p50_ms"] for p in pts], "o-", label="p50")
    ax.plot(x, [p["p99_ms"] for p in pts], "s--", label="p99")
    ax.set_xlabel("committed tx/s (points in order of offered load)")
    ax.set_ylabel("submit -> commit latency (ms, log scale)")
    ax.set_yscale("log")  # past saturation latency reaches seconds; keep the knee readable
    ax.set_title("drex-node: 7-node loopback network")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _scoped(entry: Any) -> bool:
    from drex_node.config import load_config

    return bool(load_config(Path(entry.dir) / "config.toml").node.scoped)


def verifications_per_tx(net: Any) -> float:
    """Signature verifications per transaction across the network: one per node that
    executes every block, plus each partition-scoped entry point's share of the
    submissions (the load spreads evenly over the entry points)."""
    entries = {e.name for e in net.entry_points()}
    total = 0.0
    for e in net.nodes:
        if not _scoped(e):
            total += 1
        elif e.name in entries:
            total += 1 / len(entries)
    return total


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark; returns the JSON-ready result."""
    from drex_node.testnet.layout import create_network
    from drex_node.testnet.procs import start_node, stop_node, wait_healthy

    cores = os.cpu_count() or 1
    _NONCES.clear()  # nonces belong to one network
    print("system: measuring Ed25519 verifications per core", file=sys.stderr)
    sig_before = sig_rate()
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="drex-system-"))
    root.mkdir(parents=True, exist_ok=True)
    host = {"wakeup_round_trip_us": host_wakeup_us(), "fsync_ms": host_fsync_ms(root)}
    print(f"system: host {json.dumps(host)}", file=sys.stderr)
    base = _free_base(14)
    net = create_network(
        root,
        base_port=base,
        metrics_base=base + 7,
        users_per_partition=args.users,
        commit_rule=args.commit_rule,
    )
    for e in net.nodes:
        start_node(e)  # at this process's priority, before it is raised
    generator_nice = _raise_priority()
    points: list[dict[str, Any]] = []
    try:
        if not wait_healthy(net, timeout=180):
            raise RuntimeError("network did not become healthy")
        points, stopped = search_saturation(
            [float(r) for r in args.rates.split(",")],
            lambda rate: _load(net, rate, args.duration),
            args.duration,
            args.max_rate,
        )
        saturation = max(p["committed_tps"] for p in points)
        at50 = _load(net, 0.5 * saturation, args.duration)
        at80 = _load(net, 0.8 * saturation, args.duration)
        points += [at50, at80]
    finally:
        for e in net.nodes:
            stop_node(e)
    sig_after = sig_rate()  # the nodes are stopped: the core is the bound's again
    per_core = max(sig_before, sig_after)
    nodes = verifications_per_tx(net)
    bound = per_core * cores / nodes
    result: dict[str, Any] = {
        "network": {
            "nodes": len(net.nodes),
            "validators": sum(1 for e in net.nodes if e.votes),
            "partition_scoped": [e.name for e in net.nodes if _scoped(e)],
        },
        "cores": cores,
        # this host's cross-process wake-up and disk sync, before the nodes started: the
        # network's latency depends on both (compare runs on one host, or with these)
        "host": host,
        "commit_rule": args.commit_rule,
        "ed25519_verify_per_core_per_s": round(per_core),
        "ed25519_measured_before_after": [round(sig_before), round(sig_after)],
        "nodes_verifying_each_tx": nodes,
        "load_generator_nice": generator_nice,
        "sig_bound_tps": round(bound, 1),
        "saturation_committed_tps": saturation,
        # "saturated" when the search found the knee; otherwise saturation is a lower bound
        "search_stopped": stopped,
        "ratio_to_sig_bound": round(saturation / bound, 4),
        "at_50pct": {
            k: at50[k] for k in ("target_tps", "committed_tps", "p50_ms", "p99_ms", "stages_ms")
        },
        "at_80pct": {
            k: at80[k] for k in ("target_tps", "committed_tps", "p50_ms", "p99_ms", "stages_ms")
        },
        "points": points,
    }
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    _plot(points, out_dir / "system_latency.png")
    (out_dir / "system.json").write_text(json.dumps(result, indent=2) + "\n")
    result["plot"] = str(out_dir / "system_latency.png")
    return result
