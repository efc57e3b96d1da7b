from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBMIT_STATUS_UNSPECIFIED: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_ACCEPTED: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_DUPLICATE: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_REJECTED: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_FORWARDED: _ClassVar[SubmitStatus]

class TxStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_STATUS_UNSPECIFIED: _ClassVar[TxStatus]
    TX_STATUS_UNKNOWN: _ClassVar[TxStatus]
    TX_STATUS_PENDING: _ClassVar[TxStatus]
    TX_STATUS_COMMITTED: _ClassVar[TxStatus]
    TX_STATUS_REJECTED: _ClassVar[TxStatus]

class AccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_ACTIVE: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_FROZEN: _ClassVar[AccountStatus]
SUBMIT_STATUS_UNSPECIFIED: SubmitStatus
SUBMIT_STATUS_ACCEPTED: SubmitStatus
SUBMIT_STATUS_DUPLICATE: SubmitStatus
SUBMIT_STATUS_REJECTED: SubmitStatus
SUBMIT_STATUS_FORWARDED: SubmitStatus
TX_STATUS_UNSPECIFIED: TxStatus
TX_STATUS_UNKNOWN: TxStatus
TX_STATUS_PENDING: TxStatus
TX_STATUS_COMMITTED: TxStatus
TX_STATUS_REJECTED: TxStatus
ACCOUNT_STATUS_UNSPECIFIED: AccountStatus
ACCOUNT_STATUS_ACTIVE: AccountStatus
ACCOUNT_STATUS_FROZEN: AccountStatus

class SubmitResult(_message.Message):
    __slots__ = ("tx_hash", "status", "reason", "detail")
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    status: SubmitStatus
    reason: str
    detail: str
    def __init__(self, tx_hash: _Optional[bytes] = ..., status: _Optional[_Union[SubmitStatus, str]] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class TransactionInfo(_message.Message):
    __slots__ = ("tx_hash", "status", "reason", "block_height", "tx_index", "receipt")
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TX_INDEX_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    status: TxStatus
    reason: str
    block_height: int
    tx_index: int
    receipt: bytes
    def __init__(self, tx_hash: _Optional[bytes] = ..., status: _Optional[_Union[TxStatus, str]] = ..., reason: _Optional[str] = ..., block_height: _Optional[int] = ..., tx_index: _Optional[int] = ..., receipt: _Optional[bytes] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("address", "partition", "kyc_tier", "status", "nonce", "balances", "locked")
    class BalancesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class LockedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    KYC_TIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    address: bytes
    partition: str
    kyc_tier: int
    status: AccountStatus
    nonce: int
    balances: _containers.ScalarMap[str, str]
    locked: _containers.ScalarMap[str, str]
    def __init__(self, address: _Optional[bytes] = ..., partition: _Optional[str] = ..., kyc_tier: _Optional[int] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., nonce: _Optional[int] = ..., balances: _Optional[_Mapping[str, str]] = ..., locked: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("height", "hash", "parent_hash", "state_root", "epoch", "tx_hashes", "receipts")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PARENT_HASH_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    TX_HASHES_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: bytes
    parent_hash: bytes
    state_root: bytes
    epoch: int
    tx_hashes: _containers.RepeatedScalarFieldContainer[bytes]
    receipts: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[bytes] = ..., parent_hash: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., epoch: _Optional[int] = ..., tx_hashes: _Optional[_Iterable[bytes]] = ..., receipts: _Optional[_Iterable[bytes]] = ...) -> None: ...

class CommitteeMember(_message.Message):
    __slots__ = ("validator_id", "institution", "public_key", "weight", "address")
    VALIDATOR_ID_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    validator_id: str
    institution: str
    public_key: bytes
    weight: int
    address: str
    def __init__(self, validator_id: _Optional[str] = ..., institution: _Optional[str] = ..., public_key: _Optional[bytes] = ..., weight: _Optional[int] = ..., address: _Optional[str] = ...) -> None: ...

class Committee(_message.Message):
    __slots__ = ("epoch", "members", "authority_signature")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    members: _containers.RepeatedCompositeFieldContainer[CommitteeMember]
    authority_signature: bytes
    def __init__(self, epoch: _Optional[int] = ..., members: _Optional[_Iterable[_Union[CommitteeMember, _Mapping]]] = ..., authority_signature: _Optional[bytes] = ...) -> None: ...

class NodeStatus(_message.Message):
    __slots__ = ("role", "institution", "node_name", "height", "state_root", "last_block_hash", "epoch", "committee", "healthy", "version")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    role: str
    institution: str
    node_name: str
    height: int
    state_root: bytes
    last_block_hash: bytes
    epoch: int
    committee: Committee
    healthy: bool
    version: str
    def __init__(self, role: _Optional[str] = ..., institution: _Optional[str] = ..., node_name: _Optional[str] = ..., height: _Optional[int] = ..., state_root: _Optional[bytes] = ..., last_block_hash: _Optional[bytes] = ..., epoch: _Optional[int] = ..., committee: _Optional[_Union[Committee, _Mapping]] = ..., healthy: _Optional[bool] = ..., version: _Optional[str] = ...) -> None: ...
