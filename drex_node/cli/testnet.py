"""``drex-testnet``: up | status | load | down for a local network (default ``.testnet``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from consensus.commit_rule import RULES
from drex_node.cli.common import finite_float, int_range, os_message, port
from drex_node.config import ConfigError, load_config
from drex_node.genesis import GenesisError, load_genesis
from drex_node.testnet.errors import LayoutError
from drex_node.testnet.layout import (
    DEFAULT_NODES,
    Network,
    check_new_network,
    create_network,
    existing_network,
    port_range_error,
)
from drex_node.testnet.procs import log_tail, pid_of, start_node, statuses, stop_node, wait_healthy

# ``up``'s settings for a new network; on an existing one they must match it (or be left out)
UP_DEFAULTS: dict[str, Any] = {
    "base_port": 7100,
    "metrics_base": 9100,
    "users": 400,
    "verify_workers": 1,
    "commit_rule": "bullshark",
}


class CliError(Exception):
    """A user mistake: printed as one line, exit status ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _net(directory: str) -> Network | None:
    if not Path(directory, "network.json").exists():
        print(f"drex-testnet: no network in {directory} (run `drex-testnet up`)", file=sys.stderr)
        return None
    return Network.load(directory)


def _check_new(args: argparse.Namespace) -> None:
    """Arguments for a new network, checked before anything is written."""
    n = len(DEFAULT_NODES)
    for opt, base in (("--base-port", args.base_port), ("--metrics-base", args.metrics_base)):
        why = port_range_error(base, n)
        if why:
            raise CliError(f"{opt}: {why}")
    if abs(args.base_port - args.metrics_base) < n:
        raise CliError(
            f"--metrics-base: ports {args.metrics_base}..{args.metrics_base + n - 1} overlap "
            f"the gRPC ports {args.base_port}..{args.base_port + n - 1}"
        )
    check_new_network(
        DEFAULT_NODES, args.base_port, args.metrics_base, args.users, args.verify_workers
    )


def _check_existing(args: argparse.Namespace, net: Network) -> None:
    """Settings given for a network that exists must be the ones it was created with (as
    for --commit-rule): they only apply to a new network."""
    have: dict[str, Any] = {}
    if args.commit_rule is not None:
        have["commit_rule"] = load_genesis(Path(net.dir, "genesis.json")).commit_rule
    if args.base_port is not None:
        have["base_port"] = int(net.nodes[0].address.rpartition(":")[2])
    if args.metrics_base is not None:
        have["metrics_base"] = int(net.nodes[0].metrics.rpartition(":")[2])
    if args.users is not None:
        have["users"] = net.users_per_partition
    if args.verify_workers is not None:
        have["verify_workers"] = load_config(
            Path(net.nodes[0].dir, "config.toml")
        ).admission.verify_workers
    for name, value in have.items():
        given = getattr(args, name)
        if given != value:
            opt = "--" + name.replace("_", "-")
            raise CliError(
                f"the network in {args.dir} was created with {opt} {value!r}, not {given!r}; "
                f"{opt} only applies to a new network (run `drex-testnet down` and remove "
                f"{args.dir} first)"
            )


def _check_moved(net: Network) -> None:
    """A network created before node configs named the genesis relative to themselves
    still points at the directory it was created in: refuse to start it elsewhere."""
    if not net.moved:
        return
    for e in net.nodes:
        config = Path(e.dir, "config.toml")
        genesis = Path(load_config(config).node.genesis)
        if genesis.is_absolute() and genesis.is_relative_to(net.origin):
            raise CliError(
                f"{config}: node.genesis is {genesis}, in {net.origin} where this network "
                f"was created; it was moved or copied to {net.dir}: set node.genesis to "
                f"../../genesis.json in each node's config.toml, or create a new network"
            )


def cmd_up(args: argparse.Namespace) -> int:
    """Create the network if needed, start every node, wait until all are healthy."""
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise CliError(f"--dir {root}: not a directory")
    if not (root / "network.json").exists():
        found = existing_network(root)
        if found is not None:  # node configs without network.json: not ours to overwrite
            raise CliError(
                f"{root} holds {found} but no network.json; remove it or use another --dir"
            )
        for name, value in UP_DEFAULTS.items():
            if getattr(args, name) is None:
                setattr(args, name, value)
        _check_new(args)
        print(f"creating network in {args.dir}", file=sys.stderr)
        net = create_network(
            args.dir,
            base_port=args.base_port,
            metrics_base=args.metrics_base,
            users_per_partition=args.users,
            verify_workers=args.verify_workers,
            commit_rule=args.commit_rule,
        )
    else:
        net = Network.load(args.dir)
        _check_existing(args, net)
        _check_moved(net)
    for e in net.nodes:
        start_node(e)
    ok = wait_healthy(net, timeout=args.timeout)
    exited = [] if ok else [e for e in net.nodes if pid_of(e) is None]
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
    for e in exited:
        log = Path(e.dir, "node.log")
        print(f"drex-testnet up: node {e.name} exited; see {log}", file=sys.stderr)
        for line in log_tail(e):
            print(f"  {line}", file=sys.stderr)
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
    from drex_node.testnet.load import LoadError, run_load

    net = _net(args.dir)
    if net is None:
        return 1
    try:
        out = run_load(net, args.tps, args.duration, args.drain)
    except LoadError as exc:
        raise CliError(str(exc), 1) from None
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    if out["submitted"] == 0:
        print("drex-testnet load: no transaction was submitted", file=sys.stderr)
        return 1
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
            new = "; for a new network only (an existing one must have been created with it)"
            d = UP_DEFAULTS
            s.add_argument("--base-port", type=port, help=f"default {d['base_port']}{new}")
            s.add_argument("--metrics-base", type=port, help=f"default {d['metrics_base']}{new}")
            s.add_argument(
                "--users", type=int_range(1), help=f"users per partition, default {d['users']}{new}"
            )
            s.add_argument(
                "--verify-workers", type=int_range(0), help=f"default {d['verify_workers']}{new}"
            )
            s.add_argument(
                "--commit-rule",
                choices=RULES,
                default=None,
                help="consensus commit rule written to a new network's genesis (default "
                "bullshark; ADR 0078)",
            )
            s.add_argument("--timeout", type=finite_float(0, inclusive=True), default=120.0)
        if name == "load":
            s.add_argument("--tps", type=finite_float(0), default=100.0)
            s.add_argument("--duration", type=finite_float(0), default=10.0)
            s.add_argument("--drain", type=finite_float(0, inclusive=True), default=30.0)
    args = p.parse_args(argv)
    handlers = {"up": cmd_up, "status": cmd_status, "load": cmd_load, "down": cmd_down}
    try:
        return handlers[args.cmd](args)
    except CliError as exc:
        print(f"drex-testnet {args.cmd}: {exc}", file=sys.stderr)
        return exc.code
    except (LayoutError, ConfigError, GenesisError) as exc:
        print(f"drex-testnet {args.cmd}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"drex-testnet {args.cmd}: {os_message(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
