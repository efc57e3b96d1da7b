"""``drex-wallet``: keys, account creation through a bank, transfers, balances.

Keys are 32-byte Ed25519 seeds in hex files (0600). Calls go over mTLS with operator or
client credentials (``--credentials``, default ``.testnet/operator``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import grpc

from drex_node.api.stubs import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.cli.common import int_range, os_message
from drex_node.ledger.codes import MAX_AMOUNT, TxType
from drex_node.ledger.tx import MAX_U64, address_of, build, public_key
from drex_node.net.channel import secure_channel_sync
from drex_node.security.store import load_credentials
from drex_node.testnet.client import submit_until_committed


def _seed(path: str, option: str = "--key") -> bytes:
    """The seed in a key file; errors name the option and the file."""
    try:
        seed = bytes.fromhex(Path(path).read_text(encoding="ascii").strip())
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot read: {exc.strerror}") from None
    except ValueError:  # not ASCII, or not hex
        seed = b""
    if len(seed) != 32:
        raise ValueError(f"{option} {path}: not a key file (expected a 32-byte seed in hex)")
    return seed


def _nodes(args: argparse.Namespace) -> list[str]:
    nodes = [n.strip() for n in args.node.split(",") if n.strip()]
    if not nodes:
        raise ValueError("--node: give at least one host:port")
    return nodes


def _stub(args: argparse.Namespace) -> ledger_pb2_grpc.LedgerStub:
    ch = secure_channel_sync(_nodes(args)[0], load_credentials(Path(args.credentials)))
    return ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]


def _addr(value: str, option: str) -> bytes:
    """An address given as hex, or a key file whose address is meant."""
    if Path(value).exists():
        return address_of(public_key(_seed(value, option)))
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        # a mistyped key file name is not an address either: say both
        raise ValueError(
            f"{option} {value!r}: no such key file, and not an address (64 hex digits)"
        )
    return raw


def _next_nonce(args: argparse.Namespace, addr: bytes) -> int:
    """The account's next nonce, from the first entry point in --node that answers."""
    creds = load_credentials(Path(args.credentials))
    error: grpc.RpcError | None = None
    for address in _nodes(args):
        with secure_channel_sync(address, creds) as ch:
            stub = ledger_pb2_grpc.LedgerStub(ch)  # type: ignore[no-untyped-call]
            try:
                req = ledger_pb2.GetAccountRequest(address=addr)
                return int(stub.GetAccount(req, timeout=5).account.nonce)  # the next one
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                error = exc
    assert error is not None
    raise error


def _submit(args: argparse.Namespace, tx: bytes) -> int:
    if args.wait:
        # wait for the commit; an entry point that is down or lost the transaction after
        # acknowledging it is replaced by the next one in --node (resubmitting is safe:
        # a transaction applies at most once)
        res = submit_until_committed(_nodes(args), Path(args.credentials), tx)
        print(json.dumps(res))
        return 0 if res.get("status") == "COMMITTED" and not res.get("reason") else 1
    r = _stub(args).SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=tx), timeout=10).result
    out: dict[str, object] = {
        "tx_hash": r.tx_hash.hex(),
        "submit": types_pb2.SubmitStatus.Name(r.status),
        "reason": r.reason,
    }
    print(json.dumps(out))
    return 0 if not out["reason"] else 1


def cmd_keys(args: argparse.Namespace) -> int:
    path = Path(args.out)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
    pk = public_key(_seed(args.out, "--out"))
    print(
        json.dumps({"key_file": str(path), "public_key": pk.hex(), "address": address_of(pk).hex()})
    )
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    bank = _seed(args.bank_key, "--bank-key")
    owner = public_key(_seed(args.key))
    nonce = _next_nonce(args, address_of(public_key(bank)))
    tx = build(
        args.chain_id,
        TxType.CREATE_ACCOUNT,
        [owner, args.partition, args.kyc_tier, 0],
        nonce,
        args.expiry,
        [bank],
    )
    return _submit(args, tx)


def cmd_transfer(args: argparse.Namespace) -> int:
    seed = _seed(args.key)
    to = _addr(args.to, "--to")  # before any call: a mistake costs no round trip
    nonce = _next_nonce(args, address_of(public_key(seed)))
    tx = build(
        args.chain_id,
        TxType.TRANSFER,
        [to, args.asset, args.amount, args.memo.encode()],
        nonce,
        args.expiry,
        [seed],
    )
    return _submit(args, tx)


def cmd_balance(args: argparse.Namespace) -> int:
    address = _addr(args.account, "account")
    stub = _stub(args)
    try:
        acc = stub.GetAccount(ledger_pb2.GetAccountRequest(address=address), timeout=5).account
    except grpc.RpcError as exc:
        print(json.dumps({"error": str(exc.code())}))
        return 1
    print(
        json.dumps(
            {
                "address": acc.address.hex(),
                "partition": acc.partition,
                "nonce": acc.nonce,
                "balances": dict(acc.balances),
            }
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``drex-wallet``."""
    p = argparse.ArgumentParser(prog="drex-wallet", description="drex wallet basics")
    p.add_argument(
        "--node",
        default="127.0.0.1:7105",
        help="host:port of an entry node; several, comma-separated, are tried in turn (--wait)",
    )
    p.add_argument("--credentials", default=".testnet/operator")
    p.add_argument("--chain-id", default="drex-testnet")
    p.add_argument("--expiry", type=int_range(0, MAX_U64), default=10**9, help="expiry height")
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keys", help="create (or show) a key file")
    k.add_argument("--out", default="wallet.key")
    c = sub.add_parser("create-account", help="a bank creates an account for a key")
    c.add_argument("--bank-key", required=True)
    c.add_argument("--key", required=True)
    c.add_argument("--partition", default="N")
    c.add_argument("--kyc-tier", type=int_range(0, 9), default=1)
    c.add_argument("--wait", action="store_true")
    t = sub.add_parser("transfer")
    t.add_argument("--key", required=True)
    t.add_argument("--to", required=True, help="address hex or key file")
    t.add_argument("--amount", type=int_range(1, MAX_AMOUNT), required=True)
    t.add_argument("--asset", default="DREX")
    t.add_argument("--memo", default="")
    t.add_argument("--wait", action="store_true")
    b = sub.add_parser("balance")
    b.add_argument("account", help="address hex or key file")
    args = p.parse_args(argv)
    handlers = {
        "keys": cmd_keys,
        "create-account": cmd_create,
        "transfer": cmd_transfer,
        "balance": cmd_balance,
    }
    try:
        return handlers[args.cmd](args)
    except ValueError as exc:
        print(f"drex-wallet {args.cmd}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"drex-wallet {args.cmd}: {os_message(exc)}", file=sys.stderr)
        return 2
    except grpc.RpcError as exc:
        print(f"drex-wallet {args.cmd}: {exc.code()}: {exc.details()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
