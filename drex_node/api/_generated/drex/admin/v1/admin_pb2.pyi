from drex_node.api._generated.drex.ledger.v1 import types_pb2 as _types_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitAuthorityTransactionRequest(_message.Message):
    __slots__ = ("tx",)
    TX_FIELD_NUMBER: _ClassVar[int]
    tx: bytes
    def __init__(self, tx: _Optional[bytes] = ...) -> None: ...

class SubmitAuthorityTransactionResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _types_pb2.SubmitResult
    def __init__(self, result: _Optional[_Union[_types_pb2.SubmitResult, _Mapping]] = ...) -> None: ...

class GetCommitteeRequest(_message.Message):
    __slots__ = ("epoch",)
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    def __init__(self, epoch: _Optional[int] = ...) -> None: ...

class GetCommitteeResponse(_message.Message):
    __slots__ = ("committee",)
    COMMITTEE_FIELD_NUMBER: _ClassVar[int]
    committee: _types_pb2.Committee
    def __init__(self, committee: _Optional[_Union[_types_pb2.Committee, _Mapping]] = ...) -> None: ...
