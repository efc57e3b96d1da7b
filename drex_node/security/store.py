"""PEM files on disk and gRPC credentials built from them.

Layout of a credentials directory::

    <dir>/ca.pem            network CA certificate (public)
    <dir>/ca.key            network CA key (0600; keep offline in production)
    <dir>/<name>/ca.pem     copy of the CA certificate, so <dir>/<name> is self-contained
    <dir>/<name>/node.pem   leaf certificate of node or operator <name>
    <dir>/<name>/node.key   its private key (0600)

Private keys are created with mode 0600 from the start (never chmod-ed after a
world-readable write).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import grpc

from drex_node.security.identity import Identity
from drex_node.security.peer import identity_from_cert_pem
from drex_node.security.pki import (
    DEFAULT_DNS_NAMES,
    DEFAULT_IP_ADDRESSES,
    IssuedCertificate,
    create_ca,
    issue_certificate,
)

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
NODE_CERT = "node.pem"
NODE_KEY = "node.key"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
    finally:
        os.close(fd)


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name) or name in {CA_CERT, CA_KEY}:
        raise ValueError(f"invalid credential name {name!r}: use [A-Za-z0-9._-], max 64")
    return name


def write_ca(directory: Path, ca: IssuedCertificate) -> None:
    """Write ``ca.pem`` (0644) and ``ca.key`` (0600) into ``directory``."""
    _write(directory / CA_CERT, ca.cert_pem, 0o644)
    _write(directory / CA_KEY, ca.key_pem, 0o600)


def load_ca(directory: Path) -> IssuedCertificate:
    """Read back the CA written by :func:`write_ca`."""
    return IssuedCertificate((directory / CA_CERT).read_bytes(), (directory / CA_KEY).read_bytes())


def init_ca(directory: Path) -> IssuedCertificate:
    """Load the CA in ``directory``, creating it first if there is none."""
    if (directory / CA_CERT).exists():
        return load_ca(directory)
    ca = create_ca()
    write_ca(directory, ca)
    return ca


@dataclass(frozen=True, slots=True)
class NodeCredentials:
    """Everything one node or operator needs for mTLS: CA, own cert and key."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    @property
    def identity(self) -> Identity:
        """The identity carried by the own certificate."""
        return identity_from_cert_pem(self.cert_pem)

    def server_credentials(self) -> grpc.ServerCredentials:
        """Server side: present our cert, require and verify a client cert."""
        return grpc.ssl_server_credentials(
            [(self.key_pem, self.cert_pem)],
            root_certificates=self.ca_pem,
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """Client side: verify the server against the CA, present our cert."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca_pem,
            private_key=self.key_pem,
            certificate_chain=self.cert_pem,
        )


def issue_to_directory(
    directory: Path,
    ca: IssuedCertificate,
    name: str,
    identity: Identity,
    *,
    dns_names: tuple[str, ...] | None = None,
    ip_addresses: tuple[str, ...] | None = None,
) -> NodeCredentials:
    """Issue a certificate for ``identity`` and write it under ``directory/name``."""
    target = directory / _check_name(name)
    leaf = issue_certificate(
        ca,
        identity,
        name,
        dns_names=DEFAULT_DNS_NAMES if dns_names is None else dns_names,
        ip_addresses=DEFAULT_IP_ADDRESSES if ip_addresses is None else ip_addresses,
    )
    _write(target / CA_CERT, ca.cert_pem, 0o644)
    _write(target / NODE_CERT, leaf.cert_pem, 0o644)
    _write(target / NODE_KEY, leaf.key_pem, 0o600)
    return NodeCredentials(ca.cert_pem, leaf.cert_pem, leaf.key_pem)


def load_credentials(node_directory: Path) -> NodeCredentials:
    """Load ``ca.pem``, ``node.pem`` and ``node.key`` from one node's directory."""
    return NodeCredentials(
        (node_directory / CA_CERT).read_bytes(),
        (node_directory / NODE_CERT).read_bytes(),
        (node_directory / NODE_KEY).read_bytes(),
    )
