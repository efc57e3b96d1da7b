"""The batch book: batches held in memory and the queue of our own sealed batches waiting
for our next header (they travel with it: ADR 0079)."""

from __future__ import annotations

from consensus.storage import EngineStore
from consensus.types import Batch, Digest, ValidatorId


class BatchBook:
    """Batches by digest (memory, backed by storage), bounded per author while unreferenced."""

    def __init__(self, store: EngineStore, max_unreferenced: int) -> None:
        self.store = store
        self.max_unreferenced = max_unreferenced
        self.batches: dict[Digest, Batch] = {}
        self.round: dict[Digest, int] = {}  # highest round that needs the batch in memory
        self.unreferenced: dict[Digest, ValidatorId] = {}
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
        """Hold and persist a batch; unreferenced ones count against their author."""
        if batch.digest in self.batches:
            return
        self.batches[batch.digest] = batch
        self.round[batch.digest] = round_
        self.store.put_batch(batch)
        if not referenced:
            self.unreferenced[batch.digest] = batch.author
            self.per_author[batch.author] = self.per_author.get(batch.author, 0) + 1

    def restore(self, batch: Batch, round_: int) -> None:
        """Load a batch of a reloaded certificate (already persisted)."""
        self.batches[batch.digest] = batch
        self.round[batch.digest] = round_

    def referenced(self, digest: Digest, round_: int) -> None:
        """A certificate of ``round_`` references the batch."""
        self.round[digest] = max(self.round.get(digest, 0), round_)
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
        """Drop batches only needed at or below ``gc_round`` (storage keeps them)."""
        keep = {d for _, d in self.ready}
        for d in [d for d, r in self.round.items() if r <= gc_round and d not in keep]:
            del self.round[d]
            self.batches.pop(d, None)
            self._unpark(d)
