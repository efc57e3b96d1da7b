"""mTLS handshake, identity failures, health, reflection, size limits, error
reasons, conversions, request logs and graceful stop, over real TLS on loopback."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from api_harness import (
    BIG,
    CB,
    TX_BOOM,
    TX_NONCE_LOW,
    ServerThread,
    StubNode,
    foreign_credentials,
    make_pki,
    start_server,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from drex_node.api._generated.drex.admin.v1 import admin_pb2, admin_pb2_grpc
from drex_node.api._generated.drex.audit.v1 import audit_pb2, audit_pb2_grpc
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc, types_pb2
from drex_node.api.errors import reason_of, status_of
from drex_node.net.channel import channel_options, secure_channel, secure_channel_sync
from drex_node.net.server import MIB, ServerConfig
from drex_node.security.store import NodeCredentials, load_ca

H = bytes(range(32))


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def pki(pki_dir: Path) -> dict[str, NodeCredentials]:
    return make_pki(pki_dir)


@pytest.fixture(scope="module")
def server(pki: dict[str, NodeCredentials]) -> Iterator[ServerThread]:
    thread = start_server(pki["server"], StubNode(), ServerConfig(max_receive_bytes=1 * MIB))
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def tier1(server: ServerThread, pki: dict[str, NodeCredentials]) -> Iterator[grpc.Channel]:
    # The client may send more than the server accepts: the server enforces its limit.
    channel = secure_channel_sync(
        server.target, pki["tier1"], options=channel_options(max_send_bytes=8 * MIB)
    )
    yield channel
    channel.close()


def _status(channel: grpc.Channel) -> types_pb2.NodeStatus:
    return ledger_pb2_grpc.LedgerStub(channel).GetStatus(ledger_pb2.GetStatusRequest(), timeout=10)


def test_mtls_handshake_and_call(tier1: grpc.Channel) -> None:
    status = _status(tier1)
    assert (status.role, status.institution, status.height) == ("central-bank", CB, 5)
    assert [m.validator_id for m in status.committee.members] == ["v0"]


def test_client_without_certificate_is_rejected(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> None:
    creds = grpc.ssl_channel_credentials(root_certificates=pki["tier1"].ca_pem)
    with grpc.secure_channel(server.target, creds) as channel, pytest.raises(grpc.RpcError) as info:
        _status(channel)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_client_certificate_from_another_ca_is_rejected(
    server: ServerThread, pki_dir: Path
) -> None:
    foreign = foreign_credentials(pki_dir)
    creds = grpc.ssl_channel_credentials(
        root_certificates=load_ca(pki_dir).cert_pem,
        private_key=foreign.key_pem,
        certificate_chain=foreign.cert_pem,
    )
    with grpc.secure_channel(server.target, creds) as channel, pytest.raises(grpc.RpcError) as info:
        _status(channel)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_server_from_another_ca_is_not_trusted(
    pki_dir: Path, pki: dict[str, NodeCredentials]
) -> None:
    rogue = start_server(foreign_credentials(pki_dir), StubNode())
    try:
        with secure_channel_sync(rogue.target, pki["tier1"]) as channel:
            with pytest.raises(grpc.RpcError) as info:
                _status(channel)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        rogue.close()


def _cert_without_identity(pki_dir: Path) -> tuple[bytes, bytes]:
    ca = load_ca(pki_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "anon")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("anon")]), critical=False)
        .sign(ca.private_key(), hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def test_valid_certificate_without_identity_is_unauthenticated(
    server: ServerThread, pki_dir: Path
) -> None:
    cert_pem, key_pem = _cert_without_identity(pki_dir)
    creds = NodeCredentials(load_ca(pki_dir).cert_pem, cert_pem, key_pem)
    with secure_channel_sync(server.target, creds) as channel, pytest.raises(grpc.RpcError) as info:
        _status(channel)
    assert status_of(info.value) == (grpc.StatusCode.UNAUTHENTICATED, "bad_identity")


def test_health_reports_every_service(tier1: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(tier1)
    for service in (
        "",
        "drex.ledger.v1.Ledger",
        "drex.consensus.v1.Consensus",
        "drex.audit.v1.Audit",
    ):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, service
    with pytest.raises(grpc.RpcError) as info:
        stub.Check(health_pb2.HealthCheckRequest(service="drex.nope.v1.Nope"), timeout=10)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_services_and_describes_them(tier1: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(tier1)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="drex.ledger.v1.Ledger"),
    ]
    listing, files = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
    names = {s.name for s in listing.list_services_response.service}
    assert {
        "drex.ledger.v1.Ledger",
        "drex.consensus.v1.Consensus",
        "drex.admin.v1.Admin",
        "drex.audit.v1.Audit",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names
    assert files.file_descriptor_response.file_descriptor_proto


def test_oversized_message_is_resource_exhausted(tier1: grpc.Channel) -> None:
    stub = ledger_pb2_grpc.LedgerStub(tier1)
    with pytest.raises(grpc.RpcError) as info:
        stub.SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=b"x" * (2 * MIB)), timeout=10)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Just under the limit still goes through.
    ok = stub.SubmitTransaction(
        ledger_pb2.SubmitTransactionRequest(tx=b"x" * (MIB - 64)), timeout=10
    )
    assert ok.result.status == types_pb2.SUBMIT_STATUS_ACCEPTED


def test_backend_reason_round_trips(tier1: grpc.Channel) -> None:
    stub = ledger_pb2_grpc.LedgerStub(tier1)
    with pytest.raises(grpc.RpcError) as info:
        stub.SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=TX_NONCE_LOW), timeout=10)
    assert status_of(info.value) == (grpc.StatusCode.FAILED_PRECONDITION, "nonce_too_low")
    assert info.value.details() == "nonce_too_low: nonce 3 < 7"


def test_backend_crash_is_internal_without_details(tier1: grpc.Channel) -> None:
    stub = ledger_pb2_grpc.LedgerStub(tier1)
    with pytest.raises(grpc.RpcError) as info:
        stub.SubmitTransaction(ledger_pb2.SubmitTransactionRequest(tx=TX_BOOM), timeout=10)
    assert status_of(info.value) == (grpc.StatusCode.INTERNAL, "internal")
    assert "exploded" not in info.value.details()


@pytest.mark.parametrize(
    ("call", "code", "reason"),
    [
        (
            lambda ch: ledger_pb2_grpc.LedgerStub(ch).GetAccount(
                ledger_pb2.GetAccountRequest(address=b"x")
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "bad_length",
        ),
        (
            lambda ch: ledger_pb2_grpc.LedgerStub(ch).GetAccount(
                ledger_pb2.GetAccountRequest(address=bytes(32))
            ),
            grpc.StatusCode.NOT_FOUND,
            "unknown_account",
        ),
        (
            lambda ch: ledger_pb2_grpc.LedgerStub(ch).SubmitTransaction(
                ledger_pb2.SubmitTransactionRequest()
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "empty_field",
        ),
        (
            lambda ch: ledger_pb2_grpc.LedgerStub(ch).SubmitBatch(
                ledger_pb2.SubmitBatchRequest(txs=[b"t"] * 1025)
            ),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "too_many_items",
        ),
        (
            lambda ch: consensus_pb2_grpc.ConsensusStub(ch).FetchCertificates(
                consensus_pb2.FetchCertificatesRequest()
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "no_selector",
        ),
        (
            lambda ch: consensus_pb2_grpc.ConsensusStub(ch).FetchCertificates(
                consensus_pb2.FetchCertificatesRequest(
                    rounds=consensus_pb2.RoundRange(from_round=5, to_round=4)
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "bad_round_range",
        ),
        (
            lambda ch: consensus_pb2_grpc.ConsensusStub(ch).Send(consensus_pb2.ConsensusEnvelope()),
            grpc.StatusCode.INVALID_ARGUMENT,
            "empty_field",
        ),
    ],
    ids=[
        "short-address",
        "unknown-account",
        "empty-tx",
        "batch-too-big",
        "no-selector",
        "bad-range",
        "empty-payload",
    ],
)
def test_bad_requests_map_to_codes_and_reasons(tier1: grpc.Channel, call, code, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call(tier1)
    assert status_of(info.value) == (code, reason)


def test_amounts_beyond_64_bits_survive_as_decimal_strings(tier1: grpc.Channel) -> None:
    reply = ledger_pb2_grpc.LedgerStub(tier1).GetAccount(ledger_pb2.GetAccountRequest(address=H))
    account = reply.account
    assert int(account.balances["BRL"]) == BIG
    assert dict(account.locked) == {"BRL": "1"}
    assert account.status == types_pb2.ACCOUNT_STATUS_FROZEN
    assert (account.partition, account.kyc_tier, account.nonce) == ("SE", 2, 7)


def test_streams_and_batches_convert(tier1: grpc.Channel) -> None:
    ledger = ledger_pb2_grpc.LedgerStub(tier1)
    blocks = list(ledger.StreamBlocks(ledger_pb2.StreamBlocksRequest(from_height=4), timeout=10))
    assert [b.height for b in blocks] == [4, 5]
    batch = ledger.SubmitBatch(ledger_pb2.SubmitBatchRequest(txs=[b"a", b"b", b"c"]))
    assert [r.tx_hash[0] for r in batch.results] == [0, 1, 2]
    assert {r.status for r in batch.results} == {types_pb2.SUBMIT_STATUS_DUPLICATE}
    consensus = consensus_pb2_grpc.ConsensusStub(tier1)
    fetched = consensus.FetchBatches(
        consensus_pb2.FetchBatchesRequest(digests=[bytes(32), b"\x01" * 32])
    )
    assert [b.digest for b in fetched.batches] == [bytes(32)]
    assert list(fetched.missing) == [b"\x01" * 32]
    ack = consensus.SendStream(
        iter([consensus_pb2.ConsensusEnvelope(sender="v", payload=b"p")] * 5)
    )
    assert ack.accepted == 5
    waited = ledger.WaitForCommit(ledger_pb2.WaitForCommitRequest(tx_hash=H, timeout_ms=10**9))
    assert waited.transaction.reason == "30000"  # capped by ApiLimits.max_wait_ms


def test_audit_and_admin_round_trip(pki: dict[str, NodeCredentials], server: ServerThread) -> None:
    with secure_channel_sync(server.target, pki["central-bank"]) as channel:
        audit = list(
            audit_pb2_grpc.AuditStub(channel).StreamAuditBlocks(
                audit_pb2.StreamAuditBlocksRequest(from_height=3), timeout=10
            )
        )
        assert audit[0].block.height == 3 and audit[0].flags[0].code == "large_cash"
        admin = admin_pb2_grpc.AdminStub(channel)
        assert admin.GetCommittee(admin_pb2.GetCommitteeRequest(epoch=1)).committee.epoch == 1
        with pytest.raises(grpc.RpcError) as info:
            admin.GetCommittee(admin_pb2.GetCommitteeRequest(epoch=99))
        assert reason_of(info.value) == "unknown_epoch"


def _rpc_log_lines(
    caplog: pytest.LogCaptureFixture, wanted: set[str]
) -> dict[str, dict[str, object]]:
    """The JSON log lines by request id, waiting for the server thread to write them
    (a status can reach the client just before the server's log line is emitted)."""
    for _ in range(500):
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "drex_node.rpc"]
        by_id = {line["request_id"]: line for line in lines}
        if wanted <= set(by_id):
            return by_id
        time.sleep(0.01)
    raise AssertionError(f"log lines for {wanted} never appeared")


def test_request_log_is_json_with_request_id(
    tier1: grpc.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drex_node.rpc")
    ledger_pb2_grpc.LedgerStub(tier1).GetStatus(
        ledger_pb2.GetStatusRequest(), metadata=(("x-request-id", "req-42"),)
    )
    with pytest.raises(grpc.RpcError):
        ledger_pb2_grpc.LedgerStub(tier1).SubmitTransaction(
            ledger_pb2.SubmitTransactionRequest(tx=TX_NONCE_LOW),
            metadata=(("x-request-id", "req-43"),),
        )
    by_id = _rpc_log_lines(caplog, {"req-42", "req-43"})
    ok, failed = by_id["req-42"], by_id["req-43"]
    assert ok["method"] == "/drex.ledger.v1.Ledger/GetStatus" and ok["code"] == "OK"
    assert ok["identity"] == "drex://12345678/tier1" and float(ok["latency_ms"]) >= 0  # type: ignore[arg-type]
    assert (failed["code"], failed["reason"]) == ("FAILED_PRECONDITION", "nonce_too_low")


def test_graceful_stop_reports_not_serving_then_refuses(pki: dict[str, NodeCredentials]) -> None:
    thread = start_server(pki["server"], StubNode())
    with secure_channel_sync(thread.target, pki["tier1"]) as channel:
        assert _status(channel).healthy
        thread.run(thread.server.set_serving(False))
        health = health_pb2_grpc.HealthStub(channel)
        assert (
            health.Check(health_pb2.HealthCheckRequest()).status
            == health_pb2.HealthCheckResponse.NOT_SERVING
        )
        thread.close()
        with pytest.raises(grpc.RpcError) as info:
            _status(channel)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_plaintext_probe_port_serves_only_health(pki: dict[str, NodeCredentials]) -> None:
    thread = start_server(pki["server"], StubNode(), ServerConfig(probe_port=0))
    try:
        assert thread.server.probe_port
        with grpc.insecure_channel(f"127.0.0.1:{thread.server.probe_port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            reply = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            with pytest.raises(grpc.RpcError) as info:
                _status(channel)
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        thread.close()


def test_aio_channel_factory(server: ServerThread, pki: dict[str, NodeCredentials]) -> None:
    async def call() -> tuple[int, str | None]:
        async with secure_channel(server.target, pki["edge"]) as channel:
            stub = ledger_pb2_grpc.LedgerStub(channel)
            status = await stub.GetStatus(ledger_pb2.GetStatusRequest(), timeout=10)
            try:
                await consensus_pb2_grpc.ConsensusStub(channel).Send(
                    consensus_pb2.ConsensusEnvelope(sender="v", payload=b"p"), timeout=10
                )
            except grpc.aio.AioRpcError as error:
                return status.height, reason_of(error)
            return status.height, None

    assert server.run(call()) == (5, "role_not_allowed")


def test_server_wide_call_limit_is_resource_exhausted(pki: dict[str, NodeCredentials]) -> None:
    thread = start_server(pki["server"], StubNode(), ServerConfig(max_concurrent_rpcs=1))
    try:
        with secure_channel_sync(thread.target, pki["tier1"]) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(), timeout=30)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING  # holds the slot
            with pytest.raises(grpc.RpcError) as info:
                _status(channel)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            watch.cancel()
    finally:
        thread.close()
