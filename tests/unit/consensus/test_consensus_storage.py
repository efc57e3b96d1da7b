"""Storage conformance suite (shipped in the package) and the typed engine records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest
from consensus_dagkit import cert

from consensus.commit_rule import CommitState
from consensus.storage import EngineStore, MemoryStorage, check_storage_conformance


def test_memory_storage_conforms() -> None:
    check_storage_conformance(MemoryStorage())


class DropsDeletes(MemoryStorage):
    def write(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        self.data.update(puts)


def test_conformance_suite_catches_a_broken_backend() -> None:
    with pytest.raises(AssertionError):
        check_storage_conformance(DropsDeletes())


def test_records_are_invisible_until_flush_then_durable() -> None:
    backend = MemoryStorage()
    s = EngineStore(backend)
    c = cert("a", 1)
    s.put_certificate(c)
    s.put_last_vote("b", 4, b"d" * 32)
    s.put_commit_state(CommitState(6, 3, {b"x" * 32: 5}))
    assert backend.data == {}
    assert s.certificate(c.digest) == c  # read-your-writes before flush
    s.flush()
    again = EngineStore(backend)
    assert again.certificate(c.digest) == c
    assert again.certificate_at(1, "a") == c
    assert again.highest_round() == 1
    assert again.last_vote("b") == (4, b"d" * 32)
    assert again.commit_state() == CommitState(6, 3, {b"x" * 32: 5})
    assert backend.writes == 1
