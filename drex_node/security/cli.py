"""Certificate tooling: ``python -m drex_node.security.cli init-ca|issue|show``.

Meant to back ``drex-node keys`` / ``drex-testnet up``; every command prints one
JSON object on stdout and exits 2 with a message naming the bad argument.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

from cryptography import x509

from drex_node.security.identity import Identity, IdentityError, Role
from drex_node.security.peer import identity_from_cert_pem
from drex_node.security.pki import DEFAULT_DNS_NAMES, DEFAULT_IP_ADDRESSES
from drex_node.security.store import CA_CERT, NODE_CERT, init_ca, issue_to_directory, load_ca


def describe(cert_pem: bytes) -> dict[str, Any]:
    """A JSON-friendly summary of a certificate (identity, names, validity)."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    try:
        identity: str | None = identity_from_cert_pem(cert_pem).uri
    except IdentityError:
        identity = None
    return {
        "identity": identity,
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "dns": dns,
        "ips": ips,
    }


def _init_ca(args: argparse.Namespace) -> dict[str, Any]:
    ca = init_ca(args.dir)
    return {"ca": str(args.dir / CA_CERT), **describe(ca.cert_pem)}


def _issue(args: argparse.Namespace) -> dict[str, Any]:
    try:
        identity = Identity(args.institution, Role(args.role))
    except ValueError as exc:
        raise SystemExit(f"--institution/--role: {exc}") from None
    for ip in args.ip or ():
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise SystemExit(f"--ip: {ip!r} is not an IP address") from None
    if not (args.dir / CA_CERT).exists():
        raise SystemExit(f"--dir: no {CA_CERT} in {args.dir}; run init-ca first")
    try:
        creds = issue_to_directory(
            args.dir,
            load_ca(args.dir),
            args.name,
            identity,
            dns_names=tuple(args.dns) if args.dns else DEFAULT_DNS_NAMES,
            ip_addresses=tuple(args.ip) if args.ip else DEFAULT_IP_ADDRESSES,
        )
    except ValueError as exc:
        raise SystemExit(f"--name: {exc}") from None
    return {"cert": str(args.dir / args.name / NODE_CERT), **describe(creds.cert_pem)}


def _show(args: argparse.Namespace) -> dict[str, Any]:
    try:
        return describe(args.cert.read_bytes())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cert: {exc}") from None


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for embedding in other CLIs)."""
    root = argparse.ArgumentParser(prog="drex-certs", description="drex network certificates")
    sub = root.add_subparsers(dest="command", required=True)
    ca = sub.add_parser("init-ca", help="create the network CA in DIR (kept if present)")
    ca.add_argument("--dir", type=Path, required=True)
    ca.set_defaults(run=_init_ca)
    issue = sub.add_parser("issue", help="issue a node/operator certificate into DIR/NAME")
    issue.add_argument("--dir", type=Path, required=True)
    issue.add_argument("--name", required=True)
    issue.add_argument("--institution", required=True)
    issue.add_argument("--role", required=True, choices=[r.value for r in Role])
    issue.add_argument("--dns", action="append", help="DNS SAN (repeatable)")
    issue.add_argument("--ip", action="append", help="IP SAN (repeatable)")
    issue.set_defaults(run=_issue)
    show = sub.add_parser("show", help="describe a certificate")
    show.add_argument("cert", type=Path)
    show.set_defaults(run=_show)
    return root


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        result = args.run(args)
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
