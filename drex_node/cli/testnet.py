"""``drex-testnet``: up | status | load | down for a local network (default ``.testnet``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from consensus.commit_rule import RULES
from drex_node.genesis import load_genesis
from drex_node.testnet.layout import Network, create_network
from drex_node.testnet.procs import start_node, statuses, stop_node, wait_healthy


def _net(directory: str) -> Network | None:
    if not Path(directory, "network.json").exists():
        print(f"drex-testnet: no network in {directory} (run `drex-testnet up`)", file=sys.stderr)
        return None
    return Network.load(directory)


def cmd_up(args: argparse.Namespace) -> int:
    """Create the network if needed, start every node, wait until all are healthy."""
    if not Path(args.dir, "network.json").exists():
        print(f"creating network in {args.dir}", file=sys.stderr)
        create_network(
            args.dir,
            base_port=args.base_port,
            metrics_base=args.metrics_base,
            users_per_partition=args.users,
            verify_workers=args.verify_workers,
            commit_rule=args.commit_rule or "bullshark",
        )
    elif args.commit_rule is not None:
        have = load_genesis(Path(args.dir, "genesis.json")).commit_rule
        if have != args.commit_rule:
            print(
                f"drex-testnet: the network in {args.dir} was created with commit rule "
                f"{have!r}; --commit-rule only applies to a new network (run `drex-testnet "
                f"down` and remove {args.dir} first)",
                file=sys.stderr,
            )
            return 2
    net = Network.load(args.dir)
    for e in net.nodes:
        start_node(e)
    ok = wait_healthy(net, timeout=args.timeout)
    nodes = statuses(net)
    if args.json:
        print(json.dumps({"healthy": ok, "nodes": nodes}, indent=2))
    else:
        for n in nodes:
            state = "healthy" if n["healthy"] else "NOT HEALTHY"
            print(
                f"{n['name']:<10} {n['role']:<13} grpc {n['address']}  "
                f"metrics http://{n['metrics']}/metrics  {state}"
            )
        print(f"operator credentials: {net.operator_dir}")
    return 0 if ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    """Per node: name, role, height, state root, healthy."""
    net = _net(args.dir)
    if net is None:
        return 1
    nodes = statuses(net)
    if args.json:
        print(json.dumps(nodes, indent=2))
    else:
        for n in nodes:
            print(
                f"{n['name']:<10} {n['role']:<13} height {n['height']:<7} "
                f"root {n['state_root'][:16]}  {'healthy' if n['healthy'] else 'DOWN'}"
            )
    return 0 if all(n["healthy"] for n in nodes) else 1


def cmd_load(args: argparse.Namespace) -> int:
    """Open-loop transfers at ``--tps`` for ``--duration`` seconds."""
    from drex_node.testnet.load import run_load

    net = _net(args.dir)
    if net is None:
        return 1
    out = run_load(net, args.tps, args.duration, args.drain)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0 if out["lost"] == 0 else 1


def cmd_down(args: argparse.Namespace) -> int:
    """Stop every node (SIGTERM, then SIGKILL after a timeout)."""
    net = _net(args.dir)
    if net is None:
        return 0
    for e in net.nodes:
        stop_node(e)
    print("stopped", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``drex-testnet``."""
    p = argparse.ArgumentParser(prog="drex-testnet", description="local multi-process network")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("up", "status", "load", "down"):
        s = sub.add_parser(name)
        s.add_argument("--dir", default=".testnet")
        s.add_argument("--json", action="store_true")
        if name == "up":
            s.add_argument("--base-port", type=int, default=7100)
            s.add_argument("--metrics-base", type=int, default=9100)
            s.add_argument("--users", type=int, default=400, help="users per partition")
            s.add_argument("--verify-workers", type=int, default=1)
            s.add_argument(
                "--commit-rule",
                choices=RULES,
                default=None,
                help="consensus commit rule written to a new network's genesis (default "
                "bullshark; ADR 0078)",
            )
            s.add_argument("--timeout", type=float, default=120.0)
        if name == "load":
            s.add_argument("--tps", type=float, default=100.0)
            s.add_argument("--duration", type=float, default=10.0)
            s.add_argument("--drain", type=float, default=30.0)
    args = p.parse_args(argv)
    handlers = {"up": cmd_up, "status": cmd_status, "load": cmd_load, "down": cmd_down}
    return handlers[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
