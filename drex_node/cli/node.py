"""``drex-node``: init | keys | run | status for one node."""

from __future__ import annotations

import argparse
import asyncio
import errno
import faulthandler
import json
import os
import signal
import sys
from pathlib import Path

from drex_node.cli.common import int_range, os_message, port
from drex_node.config import ConfigError, NodeConfig, load_config
from drex_node.genesis import GenesisError
from drex_node.testnet.errors import LayoutError


def cmd_init(args: argparse.Namespace) -> int:
    """A single-validator development network in ``--dir`` (CA, certs, key, genesis, config)."""
    from drex_node.security.identity import Identity, IdentityError, Role
    from drex_node.testnet.layout import (
        NodeEntry,
        check_new_network,
        create_network,
        existing_network,
        remove_network,
    )
    from drex_node.testnet.procs import pid_of

    if args.role not in ("central-bank", "tier1"):
        print("drex-node init: --role: a standalone node must be a validator role", file=sys.stderr)
        return 2
    if args.port == args.metrics_port:
        print(f"drex-node init: --metrics-port: {args.port} is also --port", file=sys.stderr)
        return 2
    try:
        Identity(args.name, Role(args.role))  # names the node's directory and certificate
    except IdentityError as exc:
        print(f"drex-node init: --name: {exc}", file=sys.stderr)
        return 2
    nodes = ((args.name, args.role),)
    # every argument is checked before anything is written or removed
    try:
        check_new_network(nodes, args.port, args.metrics_port, args.users, args.verify_workers)
    except LayoutError as exc:
        print(f"drex-node init: {exc}", file=sys.stderr)
        return 2
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        print(f"drex-node init: --dir {root}: not a directory", file=sys.stderr)
        return 2
    found = existing_network(root)
    if found is not None:
        if not args.force:
            print(
                f"drex-node init: {root} already holds a network ({found}); use another "
                f"--dir, or --force to delete it and its chain data",
                file=sys.stderr,
            )
            return 1
        # every node directory, whatever network.json says (it may be broken)
        dirs = sorted(d for d in root.glob("nodes/*") if d.is_dir())
        running = [d.name for d in dirs if pid_of(NodeEntry(d.name, "", "", "", str(d)))]
        if running:
            print(
                f"drex-node init: --force: node {', '.join(running)} of the network in "
                f"{root} is running; stop it first",
                file=sys.stderr,
            )
            return 1
        remove_network(root)
    net = create_network(
        root,
        nodes=nodes,
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
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        print(f"drex-node keys: --out {path}: {exc.strerror}", file=sys.stderr)
        return 1
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex() + "\n")
    print(Ed25519Signer(seed).public_key.hex())
    return 0


async def _serve(config: NodeConfig) -> None:
    from drex_node.logging_json import setup_logging
    from drex_node.node.node import Node
    from drex_node.tuning import tune_gc

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
    config = load_config(args.config)
    try:
        asyncio.run(_serve(config))
    except RuntimeError as exc:
        # grpc's add_secure_port raises a bare RuntimeError when it cannot bind
        if "Failed to bind" not in str(exc):
            raise
        print(
            f"drex-node run: cannot listen on {config.network.listen} (network.listen in "
            f"{args.config}): address in use or not available",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL) and exc.filename is None:
            # the one socket the node binds itself: the Prometheus endpoint
            where = f"{config.metrics.listen} (metrics.listen in {args.config})"
            print(f"drex-node run: cannot listen on {where}: {exc.strerror}", file=sys.stderr)
        else:
            print(f"drex-node run: {os_message(exc)}", file=sys.stderr)
        return 2
    except (ConfigError, GenesisError, ValueError) as exc:
        print(f"drex-node run: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Ask a node (with its own credentials) for its status."""
    from drex_node.testnet.client import node_status

    config = load_config(args.config)
    creds = config.path(config.node.credentials)
    try:
        st = node_status(config.network.listen, creds)
    except OSError as exc:
        print(
            f"drex-node status: node.credentials in {args.config}: {os_message(exc)}",
            file=sys.stderr,
        )
        return 2
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
    i.add_argument("--port", type=port, default=7100)
    i.add_argument("--metrics-port", type=port, default=9100)
    i.add_argument("--users", type=int_range(1), default=20, help="dev users per partition")
    i.add_argument("--verify-workers", type=int_range(0), default=2)
    i.add_argument(
        "--force",
        action="store_true",
        help="if --dir already holds a network, delete it first: its keys, certificates, "
        "genesis, node configs, logs and chain data (nodes/*/data) are lost",
    )
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
    except (ConfigError, LayoutError) as exc:
        print(f"drex-node {args.cmd}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"drex-node {args.cmd}: {os_message(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
