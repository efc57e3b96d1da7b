from drex_node.api._generated.drex.ledger.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamAuditBlocksRequest(_message.Message):
    __slots__ = ("from_height", "flagged_only")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    flagged_only: bool
    def __init__(self, from_height: _Optional[int] = ..., flagged_only: _Optional[bool] = ...) -> None: ...

class RuleFlag(_message.Message):
    __slots__ = ("tx_hash", "tx_index", "rule_id", "code", "detail")
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    TX_INDEX_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    tx_index: int
    rule_id: str
    code: str
    detail: str
    def __init__(self, tx_hash: _Optional[bytes] = ..., tx_index: _Optional[int] = ..., rule_id: _Optional[str] = ..., code: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class AuditBlock(_message.Message):
    __slots__ = ("block", "flags")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    block: _types_pb2.Block
    flags: _containers.RepeatedCompositeFieldContainer[RuleFlag]
    def __init__(self, block: _Optional[_Union[_types_pb2.Block, _Mapping]] = ..., flags: _Optional[_Iterable[_Union[RuleFlag, _Mapping]]] = ...) -> None: ...
