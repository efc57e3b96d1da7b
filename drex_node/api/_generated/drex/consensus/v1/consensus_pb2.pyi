from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsensusEnvelope(_message.Message):
    __slots__ = ("sender", "epoch", "payload", "more")
    SENDER_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    sender: str
    epoch: int
    payload: bytes
    more: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, sender: _Optional[str] = ..., epoch: _Optional[int] = ..., payload: _Optional[bytes] = ..., more: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Ack(_message.Message):
    __slots__ = ("accepted",)
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    def __init__(self, accepted: _Optional[int] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("digest", "data")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    digest: bytes
    data: bytes
    def __init__(self, digest: _Optional[bytes] = ..., data: _Optional[bytes] = ...) -> None: ...

class FetchBatchesRequest(_message.Message):
    __slots__ = ("digests",)
    DIGESTS_FIELD_NUMBER: _ClassVar[int]
    digests: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, digests: _Optional[_Iterable[bytes]] = ...) -> None: ...

class FetchBatchesResponse(_message.Message):
    __slots__ = ("batches", "missing")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[Batch]
    missing: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, batches: _Optional[_Iterable[_Union[Batch, _Mapping]]] = ..., missing: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("digest", "round", "data")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    digest: bytes
    round: int
    data: bytes
    def __init__(self, digest: _Optional[bytes] = ..., round: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class DigestList(_message.Message):
    __slots__ = ("digests",)
    DIGESTS_FIELD_NUMBER: _ClassVar[int]
    digests: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, digests: _Optional[_Iterable[bytes]] = ...) -> None: ...

class RoundRange(_message.Message):
    __slots__ = ("from_round", "to_round")
    FROM_ROUND_FIELD_NUMBER: _ClassVar[int]
    TO_ROUND_FIELD_NUMBER: _ClassVar[int]
    from_round: int
    to_round: int
    def __init__(self, from_round: _Optional[int] = ..., to_round: _Optional[int] = ...) -> None: ...

class FetchCertificatesRequest(_message.Message):
    __slots__ = ("digests", "rounds")
    DIGESTS_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FIELD_NUMBER: _ClassVar[int]
    digests: DigestList
    rounds: RoundRange
    def __init__(self, digests: _Optional[_Union[DigestList, _Mapping]] = ..., rounds: _Optional[_Union[RoundRange, _Mapping]] = ...) -> None: ...

class FetchCertificatesResponse(_message.Message):
    __slots__ = ("certificates", "missing")
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    certificates: _containers.RepeatedCompositeFieldContainer[Certificate]
    missing: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, certificates: _Optional[_Iterable[_Union[Certificate, _Mapping]]] = ..., missing: _Optional[_Iterable[bytes]] = ...) -> None: ...

class StreamCommittedRequest(_message.Message):
    __slots__ = ("from_height", "with_outcome", "attestation_only")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WITH_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_ONLY_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    with_outcome: bool
    attestation_only: bool
    def __init__(self, from_height: _Optional[int] = ..., with_outcome: _Optional[bool] = ..., attestation_only: _Optional[bool] = ...) -> None: ...

class Attestation(_message.Message):
    __slots__ = ("signer", "outcome_digest", "signature")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    signer: str
    outcome_digest: bytes
    signature: bytes
    def __init__(self, signer: _Optional[str] = ..., outcome_digest: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CommittedBlock(_message.Message):
    __slots__ = ("height", "epoch", "block_hash", "parent_hash", "certificates", "transactions", "state_root", "batches", "leader_round", "writes", "receipts", "events", "notes", "attestation")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    PARENT_HASH_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    LEADER_ROUND_FIELD_NUMBER: _ClassVar[int]
    WRITES_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    height: int
    epoch: int
    block_hash: bytes
    parent_hash: bytes
    certificates: _containers.RepeatedScalarFieldContainer[bytes]
    transactions: _containers.RepeatedScalarFieldContainer[bytes]
    state_root: bytes
    batches: _containers.RepeatedScalarFieldContainer[bytes]
    leader_round: int
    writes: bytes
    receipts: _containers.RepeatedScalarFieldContainer[bytes]
    events: _containers.RepeatedScalarFieldContainer[bytes]
    notes: _containers.RepeatedScalarFieldContainer[str]
    attestation: Attestation
    def __init__(self, height: _Optional[int] = ..., epoch: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., parent_hash: _Optional[bytes] = ..., certificates: _Optional[_Iterable[bytes]] = ..., transactions: _Optional[_Iterable[bytes]] = ..., state_root: _Optional[bytes] = ..., batches: _Optional[_Iterable[bytes]] = ..., leader_round: _Optional[int] = ..., writes: _Optional[bytes] = ..., receipts: _Optional[_Iterable[bytes]] = ..., events: _Optional[_Iterable[bytes]] = ..., notes: _Optional[_Iterable[str]] = ..., attestation: _Optional[_Union[Attestation, _Mapping]] = ...) -> None: ...
