"""Request bytes that are not the method's protobuf message, over real mTLS on loopback:
refused with INVALID_ARGUMENT / ``malformed_request`` after authorization, logged like
any other refusal, and nothing reaches the backend."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from api_harness import ServerThread, StubNode, make_pki, start_server

from drex_node.api._generated.drex.consensus.v1 import consensus_pb2
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2
from drex_node.api.errors import status_of
from drex_node.net.channel import secure_channel_sync
from drex_node.security.store import NodeCredentials

# A field-1 length-delimited tag whose varint length never ends: no message parses it.
GARBAGE = b"\x0a\xff\xff\xff\xff\x0f"
GET_ACCOUNT = "/drex.ledger.v1.Ledger/GetAccount"
SEND_STREAM = "/drex.consensus.v1.Consensus/SendStream"
STREAM_BLOCKS = "/drex.ledger.v1.Ledger/StreamBlocks"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NodeCredentials]:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def node() -> StubNode:
    return StubNode()


@pytest.fixture(scope="module")
def server(pki: dict[str, NodeCredentials], node: StubNode) -> Iterator[ServerThread]:
    thread = start_server(pki["server"], node)
    yield thread
    thread.close()


def _channel(server: ServerThread, pki: dict[str, NodeCredentials], who: str) -> grpc.Channel:
    return secure_channel_sync(server.target, pki[who])


def _raw_unary(channel: grpc.Channel, method: str, body: bytes) -> bytes:
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    return call(body, timeout=10)  # type: ignore[no-any-return]


def _rpc_lines(caplog: pytest.LogCaptureFixture, request_id: str) -> dict[str, object]:
    for _ in range(500):  # the server thread may log just after the client has its status
        for record in caplog.records:
            if record.name == "drex_node.rpc":
                line = json.loads(record.getMessage())
                if line["request_id"] == request_id:
                    return line  # type: ignore[no-any-return]
        time.sleep(0.01)
    raise AssertionError(f"no rpc log line for {request_id}")


def test_malformed_unary_request_is_invalid_argument_and_logged(
    server: ServerThread,
    pki: dict[str, NodeCredentials],
    node: StubNode,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="drex_node.rpc")
    before = len(node.callers)
    with _channel(server, pki, "tier1") as channel, pytest.raises(grpc.RpcError) as info:
        call = channel.unary_unary(GET_ACCOUNT, request_serializer=None, response_deserializer=None)
        call(GARBAGE, timeout=10, metadata=(("x-request-id", "garbage-1"),))
    assert status_of(info.value) == (grpc.StatusCode.INVALID_ARGUMENT, "malformed_request")
    assert "drex.ledger.v1.GetAccountRequest" in (info.value.details() or "")
    line = _rpc_lines(caplog, "garbage-1")
    assert (line["code"], line["reason"], line["method"]) == (
        "INVALID_ARGUMENT",
        "malformed_request",
        GET_ACCOUNT,
    )
    assert line["identity"] == "drex://12345678/tier1"
    assert len(node.callers) == before  # the backend never saw it


def test_well_formed_raw_bytes_still_parse(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> None:
    body = ledger_pb2.GetStatusRequest().SerializeToString()
    with _channel(server, pki, "tier1") as channel:
        raw = _raw_unary(channel, "/drex.ledger.v1.Ledger/GetStatus", body)
    assert raw  # a NodeStatus came back


def test_authorization_comes_before_parsing(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> None:
    # A client may not send consensus messages: it learns that, not that its bytes are bad.
    with _channel(server, pki, "client") as channel:
        for method in ("/drex.consensus.v1.Consensus/Send", SEND_STREAM):
            with pytest.raises(grpc.RpcError) as info:
                if method == SEND_STREAM:
                    call = channel.stream_unary(
                        method, request_serializer=None, response_deserializer=None
                    )
                    call(iter([GARBAGE]), timeout=10)
                else:
                    _raw_unary(channel, method, GARBAGE)
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED, method


def test_malformed_message_in_a_request_stream_ends_the_stream(
    server: ServerThread, pki: dict[str, NodeCredentials], node: StubNode
) -> None:
    good = consensus_pb2.ConsensusEnvelope(sender="v0", epoch=1, payload=b"p").SerializeToString()
    delivered = sum(1 for what, _ in node.callers if what == "deliver")
    with _channel(server, pki, "server") as channel, pytest.raises(grpc.RpcError) as info:
        call = channel.stream_unary(
            SEND_STREAM, request_serializer=None, response_deserializer=None
        )
        call(iter([good, GARBAGE, good]), timeout=10)
    assert status_of(info.value) == (grpc.StatusCode.INVALID_ARGUMENT, "malformed_request")
    assert "drex.consensus.v1.ConsensusEnvelope" in (info.value.details() or "")
    # What came before the bad message was handled; nothing after it.
    assert sum(1 for what, _ in node.callers if what == "deliver") == delivered + 1


def test_malformed_request_of_a_server_stream(
    server: ServerThread, pki: dict[str, NodeCredentials]
) -> None:
    with _channel(server, pki, "tier1") as channel, pytest.raises(grpc.RpcError) as info:
        call = channel.unary_stream(
            STREAM_BLOCKS, request_serializer=None, response_deserializer=None
        )
        list(call(GARBAGE, timeout=10))
    assert status_of(info.value) == (grpc.StatusCode.INVALID_ARGUMENT, "malformed_request")
