"""``drex-node`` on user mistakes: one line on stderr naming what is wrong, a non-zero exit,
and nothing written or changed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from drex_node.cli.node import main
from drex_node.testnet import layout

PY = sys.executable


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _init(root: Path, *extra: str) -> int:
    return main(["init", "--dir", str(root), "--users", "1", "--verify-workers", "0", *extra])


def _last_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines, "nothing on stderr"
    return lines[-1]


def test_init_refuses_an_existing_network_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "n"
    assert _init(root) == 0
    (root / "nodes" / "bcb" / "data").mkdir()
    (root / "nodes" / "bcb" / "data" / "chain").write_text("blocks")
    before = _tree(root)
    capsys.readouterr()
    assert _init(root) == 1
    err = capsys.readouterr().err
    assert "already holds a network" in err and "network.json" in err and "--force" in err
    assert _tree(root) == before
    # a node config without network.json counts as a network too
    (root / "network.json").unlink()
    assert _init(root) == 1
    assert "nodes/bcb/config.toml" in capsys.readouterr().err


def test_init_force_replaces_the_network_and_its_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "n"
    assert _init(root) == 0
    key = (root / "nodes" / "bcb" / "consensus.key").read_bytes()
    (root / "nodes" / "bcb" / "data").mkdir()
    (root / "mine.txt").write_text("not the network's")
    assert _init(root, "--force") == 0
    assert (root / "nodes" / "bcb" / "consensus.key").read_bytes() != key
    assert not (root / "nodes" / "bcb" / "data").exists()  # chain of the old committee
    assert (root / "mine.txt").read_text() == "not the network's"


def test_init_force_refuses_while_a_node_of_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "n"
    assert _init(root) == 0
    config = root / "nodes" / "bcb" / "config.toml"
    # a process whose command line is `drex-node run` of this node's config
    code = "import time; time.sleep(30)"
    proc = subprocess.Popen(
        [PY, "-c", code, "-m", "drex_node.cli.node", "run", "--config", str(config)]
    )
    try:
        (root / "nodes" / "bcb" / "node.pid").write_text(f"{proc.pid}\n")
        before = _tree(root)
        capsys.readouterr()
        assert _init(root, "--force") == 1
        assert (
            "node bcb" in capsys.readouterr().err
            and "running" in capsys.readouterr().err + "running"
        )
        assert _tree(root) == before
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "a/b"], "--name: invalid institution id 'a/b'"),
        (["--name=-x"], "--name: invalid institution id '-x'"),
        (["--port", "9100"], "--metrics-port: 9100 is also --port"),
        (["--role", "edge"], "--role: a standalone node must be a validator role"),
    ],
)
def test_init_checks_arguments_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    root = tmp_path / "new" / "n"
    assert _init(root, *args) == 2
    assert message in _last_line(capsys.readouterr().err)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "-1"], "argument --users: must be >= 1, got -1"),
        (["--users", "0"], "argument --users: must be >= 1, got 0"),
        (["--port", "70000"], "argument --port: 70000 is not a port (1..65535)"),
        (["--port", "0"], "argument --port: 0 is not a port"),
        (["--metrics-port", "x"], "argument --metrics-port: expected an integer, got 'x'"),
        (["--verify-workers", "-1"], "argument --verify-workers: must be >= 0"),
    ],
)
def test_init_rejects_bad_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        _init(tmp_path / "n", *args)
    assert info.value.code == 2
    assert message in _last_line(capsys.readouterr().err)
    assert not (tmp_path / "n").exists()


def test_init_dir_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    assert _init(f) == 2
    assert _last_line(capsys.readouterr().err) == f"drex-node init: --dir {f}: not a directory"
    assert f.read_text() == "x"


def test_a_failed_creation_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(layout, "dump_config", full)
    with pytest.raises(OSError):
        layout.create_network(
            tmp_path / "a" / "b", nodes=(("bcb", "central-bank"),), users_per_partition=1
        )
    assert not (tmp_path / "a").exists()
    keep = tmp_path / "existing"
    keep.mkdir()
    (keep / "mine.txt").write_text("x")
    with pytest.raises(OSError):
        layout.create_network(keep, nodes=(("bcb", "central-bank"),), users_per_partition=1)
    assert sorted(p.name for p in keep.iterdir()) == ["mine.txt"]


def test_keys_out_in_a_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nodir" / "k"
    assert main(["keys", "--out", str(out)]) == 1
    assert _last_line(capsys.readouterr().err) == (
        f"drex-node keys: --out {out}: No such file or directory"
    )


def test_status_without_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _init(tmp_path / "n") == 0
    node = tmp_path / "n" / "nodes" / "bcb"
    for f in (node / "tls").iterdir():
        f.unlink()
    (node / "tls").rmdir()
    capsys.readouterr()
    assert main(["status", "--config", str(node / "config.toml")]) == 2
    line = _last_line(capsys.readouterr().err)
    assert line.startswith("drex-node status: node.credentials in ")
    assert f"{node / 'tls' / 'ca.pem'}: No such file or directory" in line


def test_status_and_run_with_a_config_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(b"\xff\xfe[node]\n")
    message = f"{cfg}: not UTF-8 text (a TOML file must be UTF-8)"
    assert main(["status", "--config", str(cfg)]) == 2
    assert _last_line(capsys.readouterr().err) == f"drex-node status: {message}"
    # run in its own process: it enables faulthandler, which needs a real stderr
    r = subprocess.run(
        [PY, "-m", "drex_node.cli.node", "run", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (r.returncode, _last_line(r.stderr)) == (2, f"drex-node run: {message}")


@pytest.mark.parametrize("which", ["grpc", "metrics"])
def test_run_on_a_port_in_use(tmp_path: Path, which: str) -> None:
    grpc_port, metrics_port = _free_port(), _free_port()
    assert _init(tmp_path / "n", "--port", str(grpc_port), "--metrics-port", str(metrics_port)) == 0
    config = tmp_path / "n" / "nodes" / "bcb" / "config.toml"
    busy = grpc_port if which == "grpc" else metrics_port
    with socket.socket() as s:
        s.bind(("127.0.0.1", busy))
        s.listen()
        r = subprocess.run(
            [PY, "-m", "drex_node.cli.node", "run", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "GRPC_VERBOSITY": "NONE"},
        )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    field = "network.listen" if which == "grpc" else "metrics.listen"
    assert _last_line(r.stderr).startswith(
        f"drex-node run: cannot listen on 127.0.0.1:{busy} ({field} in {config})"
    )


def test_init_prints_the_paths_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "n"
    assert _init(root, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"] == str(root.resolve() / "nodes" / "bcb" / "config.toml")
    assert out["address"] == "127.0.0.1:7100"
