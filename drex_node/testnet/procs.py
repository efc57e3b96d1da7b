"""Starting, watching and stopping the node processes of a local network."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from drex_node.testnet.client import node_status
from drex_node.testnet.layout import Network, NodeEntry

NODE_MODULE = "drex_node.cli.node"
_PROC = Path("/proc")


def _config_path(entry: NodeEntry) -> Path:
    return Path(entry.dir, "config.toml")


def _cmdline(pid: int) -> list[str] | None:
    """The command line of process ``pid``, or None (gone, a zombie, unreadable)."""
    proc = _PROC / str(pid)
    for _ in range(50):
        try:
            raw = (proc / "cmdline").read_bytes()
            if raw:
                return raw.decode(errors="replace").rstrip("\0").split("\0")
            # empty: a zombie, or a process still inside execve (a child Popen has just
            # started can be caught there), or a kernel thread
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return None
        if state == "Z":  # if it is our exited child, collect it
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return None
        time.sleep(0.01)
    return None


def _runs_node(pid: int, entry: NodeEntry) -> bool | None:
    """Whether process ``pid`` is ``drex-node run`` of this node's config, from its
    /proc command line; None where /proc is not available."""
    if not (_PROC / "self" / "cmdline").exists():
        return None
    argv = _cmdline(pid)
    if argv is None:
        return False
    # started by start_node (python -m drex_node.cli.node) or by hand (.../drex-node)
    prog = next(
        (i for i, a in enumerate(argv) if a == NODE_MODULE or Path(a).name == "drex-node"),
        None,
    )
    if prog is None or "run" not in argv[prog + 1 :]:
        return False
    rest = argv[prog + 1 :]
    configs = [b for a, b in zip(rest, rest[1:], strict=False) if a == "--config"]
    configs += [a.removeprefix("--config=") for a in rest if a.startswith("--config=")]
    want = _config_path(entry).resolve()
    for c in filter(None, configs):
        if not Path(c).is_absolute():  # relative to the process's working directory
            try:
                c = os.path.join(os.readlink(_PROC / str(pid) / "cwd"), c)
            except OSError:
                continue
        if Path(c).resolve() == want:
            return True
    return False


def pid_of(entry: NodeEntry) -> int | None:
    """The pid recorded for a node if that process is alive and is this node (a pid file
    left by a node that died, whose pid now belongs to another process, is removed)."""
    f = Path(entry.dir, "node.pid")
    try:
        pid = int(f.read_text().strip())
        if pid <= 0:  # os.kill would signal a process group
            raise ValueError(pid)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        f.unlink(missing_ok=True)
        return None
    ours = _runs_node(pid, entry)
    if ours is None:  # no /proc: all we can tell is whether the pid exists
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError, OverflowError):
            return None
        return pid
    if not ours:
        f.unlink(missing_ok=True)
        return None
    return pid


def log_tail(entry: NodeEntry, lines: int = 5) -> list[str]:
    """The last ``lines`` lines of a node's node.log (empty if there is none)."""
    try:
        with open(Path(entry.dir, "node.log"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def start_node(entry: NodeEntry) -> int:
    """Start one node process (its own session; logs in node.log); returns its pid."""
    existing = pid_of(entry)
    if existing is not None:
        return existing
    log = open(Path(entry.dir, "node.log"), "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", NODE_MODULE, "run", "--config", str(_config_path(entry))],
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
    try:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:  # exited since pid_of looked
        Path(entry.dir, "node.pid").unlink(missing_ok=True)
        return
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
        with contextlib.suppress(ProcessLookupError):
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
    """Poll until every (named) node reports healthy. Gives up early (False) when a node
    that had a process when the wait began no longer has one: it exited, and waiting
    longer cannot help (``pid_of`` then returns None for it)."""
    end = time.monotonic() + timeout
    wanted = [e for e in net.nodes if names is None or e.name in names]
    tracked = [e for e in wanted if pid_of(e) is not None]
    while time.monotonic() < end:
        if all(node_status(e.address, net.operator_dir, 2.0).get("healthy") for e in wanted):
            return True
        if any(pid_of(e) is None for e in tracked):
            return False
        time.sleep(0.5)
    return False
