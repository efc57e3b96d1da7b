"""The certificate CLI: init-ca, issue, show, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drex_node.security.cli import main
from drex_node.security.store import load_credentials


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else {}), err


def test_init_issue_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, ca, _ = _run(capsys, "init-ca", "--dir", str(tmp_path))
    assert code == 0 and ca["identity"] is None
    code, again, _ = _run(capsys, "init-ca", "--dir", str(tmp_path))
    assert again["serial"] == ca["serial"], "init-ca keeps an existing CA"
    code, leaf, _ = _run(
        capsys,
        "issue", "--dir", str(tmp_path), "--name", "bank-1", "--institution", "12345678",
        "--role", "tier1", "--dns", "bank-1.drex", "--ip", "10.0.0.7",
    )  # fmt: skip
    assert code == 0
    assert leaf["identity"] == "drex://12345678/tier1"
    assert (leaf["dns"], leaf["ips"]) == (["bank-1.drex"], ["10.0.0.7"])
    assert load_credentials(tmp_path / "bank-1").identity.uri == "drex://12345678/tier1"
    code, shown, _ = _run(capsys, "show", str(tmp_path / "bank-1" / "node.pem"))
    assert shown == {k: v for k, v in leaf.items() if k != "cert"}


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--name", "x", "--institution", "Bad_Inst", "--role", "edge"], "--institution"),
        (["--name", "../x", "--institution", "ok", "--role", "edge"], "--name"),
        (["--name", "x", "--institution", "ok", "--role", "edge", "--ip", "nope"], "--ip"),
    ],
)
def test_issue_errors_name_the_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    _run(capsys, "init-ca", "--dir", str(tmp_path))
    code, out, err = _run(capsys, "issue", "--dir", str(tmp_path), *argv)
    assert code == 2 and out == {} and field in err


def test_issue_without_ca_and_show_of_garbage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        "issue",
        "--dir",
        str(tmp_path),
        "--name",
        "x",
        "--institution",
        "ok",
        "--role",
        "edge",
    )
    assert code == 2 and "init-ca" in err
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"junk")
    code, _, err = _run(capsys, "show", str(junk))
    assert code == 2 and err.startswith("error: cert:")
