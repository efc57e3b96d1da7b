"""In-memory :class:`~drex_node.storage.kv.KVStore` for tests and tools."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from drex_node.storage.kv import StorageError, WriteBatch, check_namespace


class MemoryStore:
    """Sorted dicts per namespace; ``write`` validates the whole batch before applying it."""

    def __init__(self) -> None:
        self._data: dict[str, dict[bytes, bytes]] = {}
        self._closed = False

    def _ns(self, ns: str) -> dict[bytes, bytes]:
        if self._closed:
            raise StorageError("store is closed")
        try:
            return self._data[ns]
        except KeyError:
            raise StorageError(f"unknown namespace {ns!r}") from None

    def create_namespace(self, ns: str) -> None:
        check_namespace(ns)
        if self._closed:
            raise StorageError("store is closed")
        self._data.setdefault(ns, {})

    def namespaces(self) -> list[str]:
        return sorted(self._data)

    def get(self, ns: str, key: bytes) -> bytes | None:
        return self._ns(ns).get(bytes(key))

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        self._ns(ns)[bytes(key)] = bytes(value)

    def delete(self, ns: str, key: bytes) -> None:
        self._ns(ns).pop(bytes(key), None)

    def iter_prefix(self, ns: str, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        data = self._ns(ns)
        keys = sorted(data)
        start = bisect.bisect_left(keys, prefix)
        for key in keys[start:]:
            if not key.startswith(prefix):
                break
            yield key, data[key]

    def write(self, batch: WriteBatch, *, sync: bool = True) -> None:
        for (ns, _key), _value in batch.ops:
            self._ns(ns)
        for (ns, key), value in batch.ops:
            if value is None:
                self._data[ns].pop(key, None)
            else:
                self._data[ns][key] = value

    def close(self) -> None:
        self._closed = True
