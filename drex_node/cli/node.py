"""``drex-node``: init | keys | run | status for one node."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import os
import signal
import sys
from pathlib import Path

from drex_node.config import ConfigError, load_config
from drex_node.genesis import GenesisError


def cmd_init(args: argparse.Namespace) -> int:
    """A single-validator development network in ``--dir`` (CA, certs, key, genesis, config)."""
    from drex_node.testnet.layout import create_network

    if args.role not in ("central-bank", "tier1"):
        print("drex-node init: --role: a standalone node must be a validator role", file=sys.stderr)
        return 2
    net = create_network(
        args.dir,
        nodes=((args.name, args.role),),
        base_port=args.port,
        metrics_base=args.metrics_port,
        users_per_partition=args.users,
        verify_workers=args.verify_workers,
    )
    entry = net.nodes[0]
    out = {
        "config": str(Path(entry.dir) / "config.toml"),
        "genesis": str(Path(net.dir) / "genesis.json"),
        "address": entry.address,
        "metrics": entry.metrics,
        "operator_credentials": str(net.operator_dir),
    }
    print(
        json.dumps(out, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items())
    )
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """Create a consensus key file (0600) and print its public key."""
    from consensus.crypto import Ed25519Signer

    path = Path(args.out)
    if path.exists() and not args.force:
        print(f"drex-node keys: {path} exists (use --force)", file=sys.stderr)
        return 1
    seed = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex() + "\n")
    print(Ed25519Signer(seed).public_key.hex())
    return 0


async def _serve(config_path: str) -> None:
    from drex_node.logging_json import setup_logging
    from drex_node.node.node import Node
    from drex_node.tuning import tune_gc

    config = load_config(config_path)
    setup_logging(config.metrics.log_level, config.metrics.log_json, config.node.name)
    node = Node(config)
    await node.start()
    tune_gc()  # after start-up: state, caches and services are long-lived (ADR 0004)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await node.stop()


def cmd_run(args: argparse.Namespace) -> int:
    """Run a node until SIGTERM/SIGINT."""
    from drex_node.tuning import grpc_process_defaults

    if not grpc_process_defaults():  # before anything imports grpc (ADR 0089)
        print("drex-node run: grpc was imported before its settings were made", file=sys.stderr)
    faulthandler.enable()
    if os.environ.get("DREX_UVLOOP") == "1":  # opt-in: see ADR 0062 (segfaults with grpc.aio)
        import uvloop

        uvloop.install()
    try:
        asyncio.run(_serve(args.config))
    except (ConfigError, GenesisError, ValueError, OSError) as exc:
        print(f"drex-node run: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Ask a node (with its own credentials) for its status."""
    from drex_node.testnet.client import node_status

    config = load_config(args.config)
    st = node_status(config.network.listen, config.path(config.node.credentials))
    print(json.dumps(st, indent=2) if args.json else " ".join(f"{k}={v}" for k, v in st.items()))
    return 0 if st.get("healthy") else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``drex-node``."""
    p = argparse.ArgumentParser(prog="drex-node", description="A drex ledger node")
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init", help="create a standalone validator with its own dev network")
    i.add_argument("--dir", default=".drex-node")
    i.add_argument("--name", default="bcb")
    i.add_argument("--role", default="central-bank")
    i.add_argument("--port", type=int, default=7100)
    i.add_argument("--metrics-port", type=int, default=9100)
    i.add_argument("--users", type=int, default=20, help="dev users per partition")
    i.add_argument("--verify-workers", type=int, default=2)
    i.add_argument("--json", action="store_true")
    k = sub.add_parser("keys", help="create a consensus key")
    k.add_argument("--out", default="consensus.key")
    k.add_argument("--force", action="store_true")
    r = sub.add_parser("run", help="run a node")
    r.add_argument("--config", required=True)
    s = sub.add_parser("status", help="status of a running node")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    handlers = {"init": cmd_init, "keys": cmd_keys, "run": cmd_run, "status": cmd_status}
    try:
        return handlers[args.cmd](args)
    except ConfigError as exc:
        print(f"drex-node {args.cmd}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
