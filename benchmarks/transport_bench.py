"""`drex-bench transport`: CPU per message of a gRPC client stream over mTLS on loopback.

Validators talk over one long-lived client stream per peer (``Consensus.SendStream``),
and every gRPC message costs CPU at both ends whatever it carries (ADR 0088, ADR 0089).
This suite measures that cost, with the node's gRPC settings and with gRPC's own
defaults, in one run:

* a server process and a client process, started fresh for every measurement (gRPC
  reads ``GRPC_EXPERIMENTS`` when it is imported), with the network CA and certificates
  a node uses, a node server's arguments and the node's channel options;
* the client writes ``--messages`` messages of ``--size`` bytes at ``--rate`` per second
  (paced, as consensus traffic is) after a warm-up; each process reports its own CPU
  time over the measured messages;
* the two settings alternate ``--repeats`` times; the medians are reported, and

    server_cpu_ratio = server CPU per message with the node's settings
                       / server CPU per message with gRPC's defaults
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from drex_node.tuning import GRPC_EXPERIMENTS_DEFAULT

METHOD = "/drex.bench.v1.Transport/Send"
WARMUP = 100
SETTINGS = {"grpc_defaults": "", "node": GRPC_EXPERIMENTS_DEFAULT}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--messages", type=int, default=3000, help="measured messages per run")
    p.add_argument("--rate", type=float, default=300.0, help="messages per second")
    p.add_argument("--size", type=int, default=600, help="bytes per message")
    p.add_argument("--repeats", type=int, default=5, help="runs per setting (alternating)")


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _serve(tls_dir: Path, expected: int) -> dict[str, float]:
    import grpc
    import grpc.aio

    from drex_node.net.server import ServerConfig
    from drex_node.security.store import load_credentials

    seen = 0
    marks: dict[str, float] = {}
    finished = asyncio.Event()

    async def send(requests: Any, context: Any) -> bytes:
        nonlocal seen
        async for _ in requests:
            seen += 1
            if seen == WARMUP:
                marks["start"] = _cpu_s()
            elif seen == WARMUP + expected:
                marks["end"] = _cpu_s()
        finished.set()
        return b""

    handler = grpc.method_handlers_generic_handler(
        METHOD.split("/")[1], {"Send": grpc.stream_unary_rpc_method_handler(send)}
    )
    server = grpc.aio.server(options=ServerConfig().options())  # a node server's arguments
    server.add_generic_rpc_handlers((handler,))
    port = server.add_secure_port(
        "127.0.0.1:0", load_credentials(tls_dir / "server").server_credentials()
    )
    await server.start()
    print(port, flush=True)  # the parent reads the port, then starts the client
    await finished.wait()
    await server.stop(None)
    if "end" not in marks:
        raise RuntimeError(f"stream ended after {seen} of {WARMUP + expected} messages")
    return {"server_cpu_us_per_message": (marks["end"] - marks["start"]) / expected * 1e6}


async def _send(
    tls_dir: Path, port: int, messages: int, rate: float, size: int
) -> dict[str, float]:
    from drex_node.net.channel import secure_channel  # the node's channel options
    from drex_node.security.store import load_credentials

    creds = load_credentials(tls_dir / "client")
    async with secure_channel(f"127.0.0.1:{port}", creds) as ch:
        call = ch.stream_unary(METHOD)()
        payload = os.urandom(size)
        for _ in range(WARMUP):
            await call.write(payload)
            await asyncio.sleep(1 / rate)
        start_cpu, start = _cpu_s(), time.monotonic()
        for i in range(messages):
            await call.write(payload)
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
        spent = _cpu_s() - start_cpu
        await call.done_writing()
        await call
    return {"client_cpu_us_per_message": spent / messages * 1e6}


def _one_run(tls_dir: Path, experiments: str, args: argparse.Namespace) -> dict[str, float]:
    """One server and one client process, both with ``GRPC_EXPERIMENTS=experiments``."""
    env = {**os.environ, "GRPC_EXPERIMENTS": experiments}
    base = [sys.executable, "-m", "benchmarks.transport_bench", str(tls_dir)]
    with subprocess.Popen(
        [*base, "serve", str(args.messages)], stdout=subprocess.PIPE, text=True, env=env
    ) as server:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        if not port:
            raise RuntimeError("the benchmark's gRPC server did not start")
        sent = subprocess.run(
            [*base, "send", port, str(args.messages), str(args.rate), str(args.size)],
            capture_output=True,
            text=True,
            env=env,
        )
        if sent.returncode != 0:  # the server would wait for a stream that never ends
            server.kill()
            raise RuntimeError(f"the benchmark's gRPC client failed: {sent.stderr[-500:]}")
        served = server.stdout.read()
    if server.returncode != 0:
        raise RuntimeError(f"the benchmark's gRPC server failed ({server.returncode})")
    return {**json.loads(served), **json.loads(sent.stdout)}


def _make_tls(tls_dir: Path) -> None:
    from drex_node.security.identity import Identity, Role
    from drex_node.security.store import init_ca, issue_to_directory

    ca = init_ca(tls_dir / "ca")
    issue_to_directory(tls_dir, ca, "server", Identity("bench-a", Role.TIER1))
    issue_to_directory(tls_dir, ca, "client", Identity("bench-b", Role.TIER1))


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.messages < 1 or args.rate <= 0 or args.size < 1 or args.repeats < 1:
        raise SystemExit("drex-bench transport: --messages, --rate, --size, --repeats must be > 0")
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in SETTINGS}
    with tempfile.TemporaryDirectory(prefix="drex-transport-") as tmp:
        tls_dir = Path(tmp)
        _make_tls(tls_dir)
        for i in range(args.repeats):
            for name, experiments in SETTINGS.items():
                print(f"[drex-bench transport] {name} run {i + 1}/{args.repeats}", file=sys.stderr)
                runs[name].append(_one_run(tls_dir, experiments, args))
    result: dict[str, Any] = {
        "suite": "transport",
        "messages": args.messages,
        "rate": args.rate,
        "size": args.size,
        "repeats": args.repeats,
        "cores": os.cpu_count(),
        "node_grpc_experiments": GRPC_EXPERIMENTS_DEFAULT,
    }
    for name, rs in runs.items():
        for key in ("server_cpu_us_per_message", "client_cpu_us_per_message"):
            result[f"{name}_{key}"] = round(statistics.median(r[key] for r in rs), 1)
        result[f"{name}_runs"] = rs
    result["server_cpu_ratio"] = round(
        result["node_server_cpu_us_per_message"]
        / result["grpc_defaults_server_cpu_us_per_message"],
        3,
    )
    return result


def _child(argv: list[str]) -> None:
    tls_dir, role = Path(argv[0]), argv[1]
    if role == "serve":
        out = asyncio.run(_serve(tls_dir, int(argv[2])))
    else:
        out = asyncio.run(_send(tls_dir, int(argv[2]), int(argv[3]), float(argv[4]), int(argv[5])))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    _child(sys.argv[1:])
