"""Starting, watching and stopping the node processes of a local network."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from drex_node.testnet.client import node_status
from drex_node.testnet.layout import Network, NodeEntry


def pid_of(entry: NodeEntry) -> int | None:
    """The pid recorded for a node if that process is alive."""
    f = Path(entry.dir, "node.pid")
    if not f.exists():
        return None
    try:
        pid = int(f.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def start_node(entry: NodeEntry) -> int:
    """Start one node process (its own session; logs in node.log); returns its pid."""
    existing = pid_of(entry)
    if existing is not None:
        return existing
    log = open(Path(entry.dir, "node.log"), "ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drex_node.cli.node",
            "run",
            "--config",
            str(Path(entry.dir, "config.toml")),
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    log.close()
    Path(entry.dir, "node.pid").write_text(f"{proc.pid}\n")
    return proc.pid


def stop_node(entry: NodeEntry, kill: bool = False, timeout: float = 15.0) -> None:
    """SIGTERM (or SIGKILL) a node and wait until it is gone."""
    pid = pid_of(entry)
    if pid is None:
        return
    os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                done = pid
        if done == pid:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
    Path(entry.dir, "node.pid").unlink(missing_ok=True)


def statuses(net: Network) -> list[dict[str, Any]]:
    """Status of every node (name, role, height, state_root, healthy)."""
    out = []
    for e in net.nodes:
        st = node_status(e.address, net.operator_dir) if pid_of(e) else {"healthy": False}
        out.append(
            {
                "name": e.name,
                "role": e.role,
                "address": e.address,
                "metrics": e.metrics,
                "height": st.get("height", 0),
                "state_root": st.get("state_root", ""),
                "healthy": bool(st.get("healthy")),
            }
        )
    return out


def wait_healthy(net: Network, names: list[str] | None = None, timeout: float = 90.0) -> bool:
    """Poll until every (named) node reports healthy."""
    end = time.monotonic() + timeout
    wanted = [e for e in net.nodes if names is None or e.name in names]
    while time.monotonic() < end:
        if all(node_status(e.address, net.operator_dir, 2.0).get("healthy") for e in wanted):
            return True
        time.sleep(0.5)
    return False
