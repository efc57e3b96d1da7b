"""Identities, certificate issuance and the on-disk credential layout."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drex_node.security.identity import Identity, IdentityError, Role
from drex_node.security.peer import identity_from_auth_context, identity_from_cert_pem
from drex_node.security.pki import create_ca, issue_certificate
from drex_node.security.store import init_ca, issue_to_directory, load_ca, load_credentials


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    return create_ca()


@pytest.mark.parametrize("role", list(Role))
def test_identity_uri_round_trips(role: Role) -> None:
    identity = Identity("12345678", role)
    assert identity.uri == f"drex://12345678/{role.value}"
    assert Identity.parse_uri(identity.uri) == identity


@pytest.mark.parametrize(
    "uri",
    [
        "https://bcb/central-bank",
        "drex://bcb",
        "drex://bcb/central-bank/extra",
        "drex://bcb/king",
        "drex://BCB/tier1",
        "drex://-bcb/tier1",
        "drex:///tier1",
        "drex://b_c/tier1",
    ],
)
def test_bad_identity_uris_are_errors(uri: str) -> None:
    with pytest.raises(IdentityError):
        Identity.parse_uri(uri)


def test_leaf_certificate_carries_identity_and_sans(ca) -> None:  # type: ignore[no-untyped-def]
    identity = Identity("bcb", Role.CENTRAL_BANK)
    leaf = issue_certificate(ca, identity, "bcb-0", dns_names=("localhost", "bcb-0.drex"))
    cert = leaf.certificate
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["drex://bcb/central-bank"]
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "bcb-0.drex"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert isinstance(leaf.private_key().curve, ec.SECP256R1)
    assert cert.issuer == ca.certificate.subject
    ca.certificate.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
    )
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert identity_from_cert_pem(leaf.cert_pem) == identity


def test_ca_is_a_path_length_zero_ca(ca) -> None:  # type: ignore[no-untyped-def]
    constraints = ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0


def test_validity_window_uses_the_given_clock(ca) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    cert = issue_certificate(ca, Identity("x", Role.EDGE), "x", days=10, now=now).certificate
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc
    assert cert.not_valid_after_utc - now < dt.timedelta(days=10)


def _leaf(ca, extension: x509.ExtensionType | None) -> bytes:  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2020, 1, 1))
        .not_valid_after(dt.datetime(2040, 1, 1))
    )
    if extension is not None:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(ca.private_key(), hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _cert_with_uris(ca, uris: list[str]) -> bytes:  # type: ignore[no-untyped-def]
    names = [x509.UniformResourceIdentifier(u) for u in uris]
    return _leaf(ca, x509.SubjectAlternativeName(names) if uris else None)


@pytest.mark.parametrize(
    "uris",
    [[], ["spiffe://x/y"], ["drex://a/tier1", "drex://b/tier1"], ["drex://a/nobody"]],
)
def test_certificates_without_exactly_one_valid_identity_are_refused(ca, uris) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IdentityError):
        identity_from_cert_pem(_cert_with_uris(ca, uris))


def test_certificate_with_an_unparseable_subject_alt_name_is_refused(ca) -> None:  # type: ignore[no-untyped-def]
    # Signed by the network CA, but its SAN extension is not valid DER: cryptography
    # parses extensions only when asked, so this must still become an IdentityError
    # (UNAUTHENTICATED bad_identity), not an exception escaping the interceptor.
    garbled = x509.UnrecognizedExtension(
        x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x05\x86\x09drex"
    )
    pem = _leaf(ca, garbled)
    with pytest.raises(IdentityError, match="unparseable peer certificate extensions"):
        identity_from_cert_pem(pem)


def test_auth_context_parsing() -> None:
    with pytest.raises(IdentityError, match="no client certificate"):
        identity_from_auth_context({"transport_security_type": [b"ssl"]})
    with pytest.raises(IdentityError, match="unparseable"):
        identity_from_auth_context({"x509_pem_cert": [b"not a cert"]})


def test_directory_layout_and_key_permissions(tmp_path: Path) -> None:
    ca = init_ca(tmp_path)
    assert init_ca(tmp_path) == ca == load_ca(tmp_path)
    creds = issue_to_directory(tmp_path, ca, "bank-1", Identity("87654321", Role.TIER1))
    assert load_credentials(tmp_path / "bank-1") == creds
    assert creds.identity == Identity("87654321", Role.TIER1)
    for key in (tmp_path / "ca.key", tmp_path / "bank-1" / "node.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "bank-1" / "ca.pem").read_bytes() == ca.cert_pem
    with pytest.raises(ValueError):
        issue_to_directory(tmp_path, ca, "../escape", Identity("x", Role.EDGE))
