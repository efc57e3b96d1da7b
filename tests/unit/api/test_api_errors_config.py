"""Error convention helpers, amount encoding and server config validation."""

from __future__ import annotations

import grpc
import pytest

from drex_node.api.convert import amount
from drex_node.api.errors import REASON_KEY, ApiError, check_reason, reason_of, status_of
from drex_node.net.server import ServerConfig


class FakeRpcError(grpc.RpcError):
    def __init__(self, trailing: tuple[tuple[str, str | bytes], ...]) -> None:
        self._trailing = trailing

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.ALREADY_EXISTS

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._trailing


@pytest.mark.parametrize("reason", ["", "Nonce", "nonce too low", "a" * 65, "ñ", "x-y"])
def test_malformed_reasons_are_refused(reason: str) -> None:
    with pytest.raises(ValueError):
        check_reason(reason)


def test_api_error_details_and_reason() -> None:
    error = ApiError(grpc.StatusCode.ALREADY_EXISTS, "duplicate_op_id", "op 7")
    assert (error.code, error.reason, error.details) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "duplicate_op_id",
        "duplicate_op_id: op 7",
    )
    assert ApiError(grpc.StatusCode.INTERNAL, "internal").details == "internal"


def test_reason_is_read_from_trailing_metadata() -> None:
    assert (
        reason_of(FakeRpcError((("other", "x"), (REASON_KEY, "nonce_too_low")))) == "nonce_too_low"
    )
    assert reason_of(FakeRpcError(((REASON_KEY, b"frozen"),))) == "frozen"
    assert status_of(FakeRpcError(())) == (grpc.StatusCode.ALREADY_EXISTS, None)
    assert reason_of(grpc.RpcError()) is None


@pytest.mark.parametrize("value", [-1, True, 1.5, "10"])
def test_amounts_must_be_non_negative_ints(value: object) -> None:
    with pytest.raises(ValueError):
        amount(value)  # type: ignore[arg-type]


def test_amount_encoding_is_plain_decimal() -> None:
    assert amount(0) == "0"
    assert amount(2**80) == str(2**80)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"port": 70000}, "port"),
        ({"max_receive_bytes": 0}, "max_receive_bytes"),
        ({"grace_s": -1.0}, "grace_s"),
        ({"probe_port": -2}, "probe_port"),
    ],
)
def test_server_config_validation_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        ServerConfig(**kwargs).validate()  # type: ignore[arg-type]
    ServerConfig().validate()
