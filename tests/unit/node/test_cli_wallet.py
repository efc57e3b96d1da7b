"""``drex-wallet`` on bad key files, mistyped paths and out-of-range numbers: one line
naming the option and the file, exit 2, no call to a node."""

from __future__ import annotations

from pathlib import Path

import pytest

from drex_node.cli import wallet
from drex_node.cli.wallet import main


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> int:
        raise AssertionError("a node was called")

    monkeypatch.setattr(wallet, "_next_nonce", refuse)
    monkeypatch.setattr(wallet, "_stub", refuse)


def _last_line(err: str) -> str:
    return err.strip().splitlines()[-1]


@pytest.fixture
def good_key(tmp_path: Path) -> Path:
    k = tmp_path / "good.key"
    k.write_text("11" * 32 + "\n")
    return k


@pytest.mark.parametrize("content", [b"zz\n", b"abcd\n", b"\xff\xfe", b""])
def test_a_key_file_with_bad_content_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], good_key: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.key"
    bad.write_bytes(content)
    why = "not a key file (expected a 32-byte seed in hex)"
    cases = [
        (["transfer", "--key", str(bad), "--to", str(good_key), "--amount", "1"], f"--key {bad}"),
        (["transfer", "--key", str(good_key), "--to", str(bad), "--amount", "1"], f"--to {bad}"),
        (["create-account", "--bank-key", str(bad), "--key", str(good_key)], f"--bank-key {bad}"),
        (["balance", str(bad)], f"account {bad}"),
        (["keys", "--out", str(bad)], f"--out {bad}"),
    ]
    for argv, where in cases:
        assert main(argv) == 2, argv
        assert _last_line(capsys.readouterr().err).endswith(f": {where}: {why}")


def test_a_mistyped_key_path_is_not_taken_for_an_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], good_key: Path
) -> None:
    typo = str(tmp_path / "alice.kye")
    assert main(["transfer", "--key", str(good_key), "--to", typo, "--amount", "1"]) == 2
    assert _last_line(capsys.readouterr().err) == (
        f"drex-wallet transfer: --to {typo!r}: no such key file, and not an address (64 hex digits)"
    )
    assert main(["balance", "abcd"]) == 2
    assert "account 'abcd': no such key file" in capsys.readouterr().err
    assert main(["transfer", "--key", typo, "--to", str(good_key), "--amount", "1"]) == 2
    assert _last_line(capsys.readouterr().err) == (
        f"drex-wallet transfer: --key {typo}: cannot read: No such file or directory"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["transfer", "--key", "k", "--to", "t", "--amount", str(2**64)],
            "argument --amount: must be in 1..18446744073709551615",
        ),
        (
            ["transfer", "--key", "k", "--to", "t", "--amount", "0"],
            "argument --amount: must be in 1..",
        ),
        (
            ["transfer", "--key", "k", "--to", "t", "--amount", "-3"],
            "argument --amount: must be in 1..",
        ),
        (
            ["--expiry", str(2**64), "balance", "x"],
            "argument --expiry: must be in 0..18446744073709551615",
        ),
        (
            ["create-account", "--bank-key", "b", "--key", "k", "--kyc-tier", "10"],
            "argument --kyc-tier: must be in 0..9",
        ),
    ],
)
def test_numbers_out_of_range(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and message in _last_line(capsys.readouterr().err)


def test_keys_out_in_a_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nodir" / "w.key"
    assert main(["keys", "--out", str(out)]) == 2
    assert (
        _last_line(capsys.readouterr().err) == f"drex-wallet keys: {out}: No such file or directory"
    )
