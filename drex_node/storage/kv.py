"""The storage protocol every backend implements.

Keys live in *namespaces* (RocksDB column families): ``meta``, ``blocks``,
``receipts``, one per ledger partition (``p/<name>``), and those of other
subsystems. A :class:`WriteBatch` groups puts and deletes across namespaces and
is applied atomically by :meth:`KVStore.write`; with ``sync=True`` it is on disk
(fsync'd WAL) when the call returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

NAMESPACE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.@")


class StorageError(Exception):
    """The storage layer failed; the node must stop loudly (STYLE habit 8)."""


def check_namespace(ns: str) -> None:
    """Reject namespace names that are empty, too long or have odd characters."""
    if not ns or len(ns) > 128 or not set(ns) <= NAMESPACE_CHARS or ns == "default":
        raise StorageError(f"invalid namespace name {ns!r}")


class WriteBatch:
    """An ordered list of puts and deletes, applied all-or-nothing.

    ``ops`` holds ``((namespace, key), value)`` pairs, ``None`` for a deletion: the shape
    of a ``{(ns, key): value}`` mapping's items, so a block's writes extend it and a cache
    absorbs it without a Python-level loop."""

    __slots__ = ("ops",)

    def __init__(self) -> None:
        self.ops: list[tuple[tuple[str, bytes], bytes | None]] = []

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        """Queue ``key := value`` in namespace ``ns``."""
        self.ops.append(
            (
                (ns, key if type(key) is bytes else bytes(key)),
                value if type(value) is bytes else bytes(value),
            )
        )

    def delete(self, ns: str, key: bytes) -> None:
        """Queue the removal of ``key`` from namespace ``ns``."""
        self.ops.append(((ns, key if type(key) is bytes else bytes(key)), None))

    def __len__(self) -> int:
        return len(self.ops)


@runtime_checkable
class KVStore(Protocol):
    """Byte-oriented storage with namespaces and atomic batches."""

    def create_namespace(self, ns: str) -> None:
        """Create namespace ``ns`` if it does not exist (idempotent)."""

    def namespaces(self) -> list[str]:
        """Names of the existing namespaces, sorted."""

    def get(self, ns: str, key: bytes) -> bytes | None:
        """The value stored under ``key``, or None. Unknown namespace -> StorageError."""

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        """Store one value (not synced; use :meth:`write` for durability)."""

    def delete(self, ns: str, key: bytes) -> None:
        """Remove ``key``; removing an absent key is not an error."""

    def iter_prefix(self, ns: str, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Every ``(key, value)`` whose key starts with ``prefix``, in ascending key order."""

    def write(self, batch: WriteBatch, *, sync: bool = True) -> None:
        """Apply ``batch`` atomically; with ``sync`` it is durable on return."""

    def close(self) -> None:
        """Release the store; further use is an error."""
