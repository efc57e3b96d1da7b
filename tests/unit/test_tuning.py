"""Process tuning knobs: they change when work happens, never what it computes."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

from drex_node.tuning import (
    GRPC_EXPERIMENTS_DEFAULT,
    grpc_process_defaults,
    lower_priority,
    tune_gc,
)


def test_tune_gc_raises_gen0_threshold_and_returns_previous() -> None:
    before = gc.get_threshold()
    try:
        previous = tune_gc(12_345)
        assert previous == before
        assert gc.get_threshold()[0] == 12_345
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_lower_priority_in_a_child_process() -> None:
    pid = os.fork()
    if pid == 0:  # child: lower its own priority and report through the exit status
        start = os.getpriority(os.PRIO_PROCESS, 0)
        lower_priority(5)
        os._exit(0 if os.getpriority(os.PRIO_PROCESS, 0) == min(start + 5, 19) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_grpc_process_defaults_leave_an_operator_setting_alone() -> None:
    env: dict[str, str] = {}
    grpc_process_defaults(env)
    assert env == {"GRPC_EXPERIMENTS": GRPC_EXPERIMENTS_DEFAULT}
    for chosen in ("", "-event_engine_client"):  # empty: gRPC's own defaults
        env = {"GRPC_EXPERIMENTS": chosen}
        grpc_process_defaults(env)
        assert env == {"GRPC_EXPERIMENTS": chosen}


def test_the_node_entry_point_does_not_import_grpc_before_its_settings() -> None:
    code = "import sys, drex_node.cli.node; print('grpc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


SERVE_ONCE = """
import sys
from drex_node.tuning import grpc_process_defaults
assert grpc_process_defaults()
import grpc, concurrent.futures
server = grpc.server(concurrent.futures.ThreadPoolExecutor(1))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
    try:
        channel.unary_unary("/drex.test.v1.None/Call")(b"", timeout=5)
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.UNIMPLEMENTED, exc
server.stop(0)
"""


def _served_through_legacy_listener(env: dict[str, str]) -> bool:
    """Serve one call in a fresh process; whether gRPC's iomgr TCP server accepted it
    (its ``tcp`` trace names the file; the EventEngine listener logs elsewhere)."""
    env = {**env, "GRPC_TRACE": "tcp", "GRPC_VERBOSITY": "DEBUG"}
    out = subprocess.run(
        [sys.executable, "-c", SERVE_ONCE], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return "tcp_server_posix" in out.stderr


def test_nodes_accept_grpc_connections_through_the_legacy_listener() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GRPC_")}
    assert _served_through_legacy_listener(base)  # the node default (ADR 0089)
    assert not _served_through_legacy_listener({**base, "GRPC_EXPERIMENTS": ""})
