"""Recover the caller's Identity from a verified TLS peer certificate.

gRPC has already verified the chain against the network CA before a handler
runs; this module only reads the identity URI out of the leaf certificate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from cryptography import x509

from drex_node.security.identity import URI_SCHEME, Identity, IdentityError

# The auth-context property holding the peer's leaf certificate (gRPC core name).
PEER_CERT_PROPERTY = "x509_pem_cert"

_current: ContextVar[Identity | None] = ContextVar("drex_peer_identity", default=None)


@lru_cache(maxsize=4096)
def identity_from_cert_pem(cert_pem: bytes) -> Identity:
    """Parse the single ``drex://`` SAN URI of a PEM certificate.

    Cached by certificate bytes (a peer presents the same certificate on every
    call); failures are not cached.
    """
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise IdentityError(f"unparseable peer certificate: {exc}") from None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise IdentityError("peer certificate has no subjectAltName") from None
    except (ValueError, x509.DuplicateExtension) as exc:  # extensions are parsed lazily
        raise IdentityError(f"unparseable peer certificate extensions: {exc}") from None
    uris = [
        uri
        for uri in san.get_values_for_type(x509.UniformResourceIdentifier)
        if uri.startswith(f"{URI_SCHEME}:")
    ]
    if len(uris) != 1:
        raise IdentityError(f"expected exactly one {URI_SCHEME}:// SAN URI, found {len(uris)}")
    return Identity.parse_uri(uris[0])


def identity_from_auth_context(auth_context: Mapping[str, Sequence[bytes]]) -> Identity:
    """Identity of the peer described by a gRPC ``ServicerContext.auth_context()``."""
    certs = auth_context.get(PEER_CERT_PROPERTY) or []
    if len(certs) != 1:
        raise IdentityError("no client certificate presented")
    return identity_from_cert_pem(certs[0])


def identity_from_servicer_context(context: Any) -> Identity:
    """Identity of the caller of a grpc / grpc.aio ``ServicerContext``."""
    return identity_from_auth_context(context.auth_context())


def current_identity() -> Identity | None:
    """The identity the authorization interceptor established for this call."""
    return _current.get()


def set_current_identity(identity: Identity | None) -> None:
    """Record the caller for this call's context (used by the interceptor)."""
    _current.set(identity)
