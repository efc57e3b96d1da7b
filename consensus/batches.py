"""The batch book: batches held in memory and the queue of our own sealed batches waiting
for our next header (they travel with it: ADR 0079)."""

from __future__ import annotations

from consensus.storage import EngineStore
from consensus.types import Batch, Digest, ValidatorId


class BatchBook:
    """Batches by digest (memory, backed by storage), bounded per author while unreferenced.

    A peer's batch that no header references yet is held in memory only: it is written to
    storage once a header we vote for or a certificate we insert lists it (``persist``,
    ``referenced``), so junk that nothing ever references never reaches the disk and is
    dropped from memory at garbage collection. Recovery is unaffected: a restart reloads
    only the batches of stored certificates, and a batch lost with memory is fetched again
    when a header lists it.
    """

    def __init__(self, store: EngineStore, max_unreferenced: int) -> None:
        self.store = store
        self.max_unreferenced = max_unreferenced
        self.batches: dict[Digest, Batch] = {}
        self.round: dict[Digest, int] = {}  # highest round that needs the batch in memory
        self.unreferenced: dict[Digest, ValidatorId] = {}
        self.unsaved: set[Digest] = set()  # held in memory only, never written
        self.per_author: dict[ValidatorId, int] = {}
        self.ready: list[tuple[int, Digest]] = []

    def __len__(self) -> int:
        return len(self.batches)

    def get(self, digest: Digest) -> Batch | None:
        """A batch from memory, else from storage."""
        return self.batches.get(digest) or self.store.batch(digest)

    def has_room(self, author: ValidatorId) -> bool:
        """Whether ``author`` may still park an unreferenced batch here."""
        return self.per_author.get(author, 0) < self.max_unreferenced

    def add(self, batch: Batch, round_: int, referenced: bool) -> None:
        """Hold a batch; a referenced one is persisted now, an unreferenced one counts
        against its author and stays in memory until something references it."""
        if batch.digest in self.batches:
            if referenced:
                self.persist(batch.digest)
            return
        self.batches[batch.digest] = batch
        self.round[batch.digest] = round_
        if referenced:
            self.store.put_batch(batch)
        else:
            self.unsaved.add(batch.digest)
            self.unreferenced[batch.digest] = batch.author
            self.per_author[batch.author] = self.per_author.get(batch.author, 0) + 1

    def persist(self, digest: Digest) -> None:
        """Write a memory-only batch to storage (a header we vote for lists it)."""
        if digest in self.unsaved:
            self.unsaved.discard(digest)
            self.store.put_batch(self.batches[digest])

    def restore(self, batch: Batch, round_: int) -> None:
        """Load a batch of a reloaded certificate (already persisted)."""
        self.batches[batch.digest] = batch
        self.round[batch.digest] = round_

    def referenced(self, digest: Digest, round_: int) -> None:
        """A certificate of ``round_`` references the batch."""
        self.round[digest] = max(self.round.get(digest, 0), round_)
        self.persist(digest)
        self._unpark(digest)

    def _unpark(self, digest: Digest) -> None:
        author = self.unreferenced.pop(digest, None)
        if author is not None:
            self.per_author[author] -= 1

    def sealed(self, batch: Batch) -> None:
        """Our own lane sealed ``batch`` (already added): it waits for our next header."""
        self.ready.append((batch.partition, batch.digest))

    def take(self, limit: int) -> tuple[tuple[int, Digest], ...]:
        """Up to ``limit`` ready digests for a header."""
        out = tuple(self.ready[:limit])
        del self.ready[:limit]
        return out

    def requeue(self, payload: tuple[tuple[int, Digest], ...]) -> None:
        """Digests of a header that will never be ordered go first in the queue again."""
        self.ready[:0] = list(payload)

    def collect(self, gc_round: int) -> None:
        """Drop batches only needed at or below ``gc_round`` (storage keeps the referenced
        ones; never-referenced ones were never written and are gone)."""
        keep = {d for _, d in self.ready}
        for d in [d for d, r in self.round.items() if r <= gc_round and d not in keep]:
            del self.round[d]
            self.batches.pop(d, None)
            self.unsaved.discard(d)
            self._unpark(d)
