"""``drex-testnet`` and the process control under it, on user mistakes and stale state:
one line on stderr naming what is wrong, a non-zero exit, nothing written or killed."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from drex_node.cli import testnet as cli
from drex_node.cli.testnet import main
from drex_node.testnet import procs
from drex_node.testnet.layout import Network, NodeEntry, create_network

PY = sys.executable
ONE = (("bcb", "central-bank"),)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _net(root: Path) -> Network:
    return create_network(
        root, nodes=ONE, base_port=_free_port(), metrics_base=_free_port(), users_per_partition=1
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _last_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines, "nothing on stderr"
    return lines[-1]


def _fake_node(
    entry: NodeEntry, seconds: float = 30, config: str | None = None
) -> subprocess.Popen[bytes]:
    """A process whose command line is ``drex-node run`` of ``entry``'s config."""
    cfg = config or str(Path(entry.dir, "config.toml"))
    code = f"import time; time.sleep({seconds})"
    return subprocess.Popen(
        [PY, "-c", code, "-m", "drex_node.cli.node", "run", "--config", cfg], cwd=entry.dir
    )


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``up`` without real nodes: records what it would start."""
    started: list[str] = []

    def start(e: NodeEntry) -> int:
        started.append(e.name)
        return 0

    monkeypatch.setattr(cli, "start_node", start)
    monkeypatch.setattr(cli, "wait_healthy", lambda net, timeout: True)
    monkeypatch.setattr(cli, "statuses", lambda net: [])
    return started


# ------------------------------------------------------------------ stale pid files


def test_a_stale_pid_file_never_signals_another_process(tmp_path: Path) -> None:
    entry = _net(tmp_path).nodes[0]
    other = subprocess.Popen(["sleep", "30"])
    try:
        pid_file = Path(entry.dir, "node.pid")
        pid_file.write_text(f"{other.pid}\n")
        assert procs.pid_of(entry) is None
        assert not pid_file.exists()
        pid_file.write_text(f"{other.pid}\n")
        procs.stop_node(entry, kill=True)
        assert other.poll() is None  # still running
        for junk in ("", "abc", "0", "-1", "99999999999999999999"):
            pid_file.write_text(junk)
            assert procs.pid_of(entry) is None and not pid_file.exists()
    finally:
        other.kill()
        other.wait()


def test_a_node_of_another_config_is_not_this_node(tmp_path: Path) -> None:
    a = _net(tmp_path / "a").nodes[0]
    b = _net(tmp_path / "b").nodes[0]
    proc = _fake_node(b)
    try:
        Path(a.dir, "node.pid").write_text(f"{proc.pid}\n")
        assert procs.pid_of(a) is None
        Path(b.dir, "node.pid").write_text(f"{proc.pid}\n")
        assert procs.pid_of(b) == proc.pid
        # started by hand with a path relative to its working directory
        rel = _fake_node(b, config="config.toml")
        Path(b.dir, "node.pid").write_text(f"{rel.pid}\n")
        assert procs.pid_of(b) == rel.pid
        procs.stop_node(b)
        assert rel.wait(timeout=10) is not None
    finally:
        proc.kill()
        proc.wait()


def test_down_stops_its_own_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = _net(tmp_path).nodes[0]
    proc = _fake_node(entry)
    Path(entry.dir, "node.pid").write_text(f"{proc.pid}\n")
    assert main(["down", "--dir", str(tmp_path)]) == 0
    assert proc.wait(timeout=10) is not None
    assert not Path(entry.dir, "node.pid").exists()


def test_up_fails_fast_when_a_node_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    net = _net(tmp_path)
    entry = net.nodes[0]
    Path(entry.dir, "node.log").write_text(
        "starting\ndrex-node run: cannot listen on 127.0.0.1:1\n"
    )
    procs_started: list[subprocess.Popen[bytes]] = []

    def start(e: NodeEntry) -> int:
        p = _fake_node(e, seconds=0.5)
        procs_started.append(p)
        Path(e.dir, "node.pid").write_text(f"{p.pid}\n")
        return p.pid

    monkeypatch.setattr(cli, "start_node", start)
    t0 = time.monotonic()
    assert main(["up", "--dir", str(tmp_path), "--timeout", "60"]) == 1
    assert time.monotonic() - t0 < 30
    err = capsys.readouterr().err.splitlines()
    assert f"drex-testnet up: node bcb exited; see {Path(entry.dir, 'node.log')}" in err
    assert err[-1] == "  drex-node run: cannot listen on 127.0.0.1:1"


# ------------------------------------------------------------------ network.json


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{", "not valid JSON"),
        ('{"dir": "/x"}', "incomplete: no 'nodes'"),
        ('{"dir": "/x", "chain_id": "c", "users_per_partition": 1, "nodes": []}', "no nodes"),
        ('{"dir": "/x", "chain_id": "c", "users_per_partition": 1, "nodes": [{}]}', "a node needs"),
        ("[1]", "not a network description"),
        (b"\xff", "not valid JSON"),
    ],
)
@pytest.mark.parametrize("cmd", ["up", "status", "load", "down"])
def test_a_broken_network_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cmd: str, text: str | bytes, why: str
) -> None:
    f = tmp_path / "network.json"
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert main([cmd, "--dir", str(tmp_path)]) == 2
    line = _last_line(capsys.readouterr().err)
    assert line.startswith(f"drex-testnet {cmd}: {f}: ") and why in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["network.json"]


def test_a_moved_network_acts_on_its_own_directory(tmp_path: Path, no_start: list[str]) -> None:
    _net(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    net = Network.load(tmp_path / "b")
    assert net.dir == str((tmp_path / "b").resolve())
    assert net.nodes[0].dir == str((tmp_path / "b" / "nodes" / "bcb").resolve())
    assert net.moved and net.origin == str((tmp_path / "a").resolve())
    assert main(["up", "--dir", str(tmp_path / "b")]) == 0
    assert no_start == ["bcb"]


def test_an_old_moved_network_that_names_its_old_genesis_is_refused(
    tmp_path: Path, no_start: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    net = _net(tmp_path / "a")
    config = Path(net.nodes[0].dir, "config.toml")
    old = str((tmp_path / "a" / "genesis.json").resolve())
    # networks created before node.genesis was written relative
    config.write_text(config.read_text().replace('"../../genesis.json"', f'"{old}"'))
    assert main(["up", "--dir", str(tmp_path / "a")]) == 0  # where it was created: fine
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    no_start.clear()
    assert main(["up", "--dir", str(tmp_path / "b")]) == 2
    line = _last_line(capsys.readouterr().err)
    assert f"node.genesis is {old}, in {(tmp_path / 'a').resolve()} where this network" in line
    assert "moved or copied" in line and no_start == []


# ------------------------------------------------------------------ up


def test_up_on_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["up", "--dir", str(f)]) == 2
    assert _last_line(capsys.readouterr().err) == f"drex-testnet up: --dir {f}: not a directory"


def test_up_refuses_node_configs_without_network_json(
    tmp_path: Path, no_start: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _net(tmp_path)
    (tmp_path / "network.json").unlink()
    before = _tree(tmp_path)
    assert main(["up", "--dir", str(tmp_path)]) == 2
    assert "holds" in _last_line(capsys.readouterr().err)
    assert _tree(tmp_path) == before and no_start == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-port", "65530"], "--base-port: 65530 leaves no room for 7 nodes"),
        (["--metrics-base", "65535"], "--metrics-base: 65535 leaves no room for 7 nodes"),
        (["--base-port", "7100", "--metrics-base", "7103"], "overlap the gRPC ports 7100..7106"),
    ],
)
def test_up_checks_ports_before_creating(
    tmp_path: Path,
    no_start: list[str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    root = tmp_path / "net"
    assert main(["up", "--dir", str(root), *args]) == 2
    assert message in _last_line(capsys.readouterr().err)
    assert not root.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-port", "70000"], "argument --base-port: 70000 is not a port"),
        (["--users", "-1"], "argument --users: must be >= 1"),
        (["--timeout", "nan"], "argument --timeout: must be a finite number"),
    ],
)
def test_up_rejects_bad_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["up", "--dir", str(tmp_path / "net"), *args])
    assert info.value.code == 2 and message in _last_line(capsys.readouterr().err)
    assert not (tmp_path / "net").exists()


def test_up_on_an_existing_network_refuses_other_settings(
    tmp_path: Path, no_start: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    net = _net(tmp_path)
    base = int(net.nodes[0].address.rpartition(":")[2])
    before = _tree(tmp_path)
    for args in (
        ["--base-port", str(base + 1)],
        ["--metrics-base", "9999"],
        ["--users", "5"],
        ["--verify-workers", "3"],
        ["--commit-rule", "shoal"],
    ):
        assert main(["up", "--dir", str(tmp_path), *args]) == 2, args
        line = _last_line(capsys.readouterr().err)
        assert f"was created with {args[0]}" in line and "only applies to a new network" in line
    assert _tree(tmp_path) == before and no_start == []
    # the settings it was created with, or none, start it as before
    same = [
        "--base-port",
        str(base),
        "--users",
        "1",
        "--verify-workers",
        "1",
        "--commit-rule",
        "bullshark",
    ]
    assert main(["up", "--dir", str(tmp_path), *same]) == 0
    assert main(["up", "--dir", str(tmp_path)]) == 0
    assert no_start == ["bcb", "bcb"]


def test_up_commit_rule_with_an_unreadable_genesis(
    tmp_path: Path, no_start: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _net(tmp_path)
    g = tmp_path / "genesis.json"
    for content, why in ((b"{", "invalid JSON"), (b"\xff", "not UTF-8")):
        g.write_bytes(content)
        assert main(["up", "--dir", str(tmp_path), "--commit-rule", "shoal"]) == 2
        line = _last_line(capsys.readouterr().err)
        assert line.startswith(f"drex-testnet up: {g.resolve()}") and why in line
    g.unlink()
    assert main(["up", "--dir", str(tmp_path), "--commit-rule", "shoal"]) == 2
    assert "cannot read" in _last_line(capsys.readouterr().err)
    assert no_start == []


# ------------------------------------------------------------------ load


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tps", "0"], "argument --tps: must be a finite number > 0, got 0"),
        (["--tps", "-5"], "argument --tps: must be a finite number > 0"),
        (["--tps", "nan"], "argument --tps: must be a finite number > 0, got nan"),
        (["--tps", "inf"], "argument --tps: must be a finite number > 0, got inf"),
        (["--duration", "0"], "argument --duration: must be a finite number > 0"),
        (["--duration", "inf"], "argument --duration: must be a finite number > 0"),
        (["--drain", "-1"], "argument --drain: must be a finite number >= 0"),
    ],
)
def test_load_rejects_bad_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["load", "--dir", str(tmp_path), *args])
    assert info.value.code == 2 and message in _last_line(capsys.readouterr().err)


def test_load_on_an_unreachable_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = _net(tmp_path)
    assert main(["load", "--dir", str(tmp_path), "--tps", "5", "--duration", "1"]) == 1
    line = _last_line(capsys.readouterr().err)
    assert line.startswith(
        f"drex-testnet load: cannot reach {net.nodes[0].address} (bcb): UNAVAILABLE"
    )


def test_load_that_submits_nothing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from drex_node.testnet import load

    _net(tmp_path)
    result: dict[str, Any] = {"submitted": 0, "committed": 0, "lost": 0}
    monkeypatch.setattr(load, "run_load", lambda *a: result)
    assert main(["load", "--dir", str(tmp_path), "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out) == result
    assert _last_line(out.err) == "drex-testnet load: no transaction was submitted"
