"""In-memory store of the certified DAG above the garbage-collection round."""

from __future__ import annotations

from consensus.types import Certificate, Digest, ValidatorId


class Dag:
    """Certificates indexed by digest and by (round, author); at most one per (round, author)."""

    def __init__(self) -> None:
        self._by_digest: dict[Digest, Certificate] = {}
        self._rounds: dict[int, dict[ValidatorId, Certificate]] = {}
        self.gc_round = 0

    def __len__(self) -> int:
        return len(self._by_digest)

    def __contains__(self, digest: Digest) -> bool:
        return digest in self._by_digest

    def get(self, digest: Digest) -> Certificate | None:
        """Certificate by digest."""
        return self._by_digest.get(digest)

    def at(self, round_: int, author: ValidatorId) -> Certificate | None:
        """The certificate of ``author`` in ``round_``."""
        r = self._rounds.get(round_)
        return r.get(author) if r else None

    def round(self, round_: int) -> dict[ValidatorId, Certificate]:
        """Certificates of one round keyed by author (do not mutate)."""
        return self._rounds.get(round_, {})

    @property
    def highest_round(self) -> int:
        """Highest round holding a certificate (``gc_round`` when empty)."""
        return max(self._rounds, default=self.gc_round)

    def insert(self, cert: Certificate) -> bool:
        """Insert; False if the slot (round, author) is taken or the round is collected."""
        if cert.round <= self.gc_round:
            return False
        slot = self._rounds.setdefault(cert.round, {})
        if cert.author in slot:
            return False
        slot[cert.author] = cert
        self._by_digest[cert.digest] = cert
        return True

    def has_path(self, start: Certificate, target: Certificate) -> bool:
        """Whether ``target`` is in the causal history of ``start`` (or equal to it)."""
        if start.digest == target.digest:
            return True
        frontier = {start.digest: start}
        for _ in range(start.round - target.round):
            nxt: dict[Digest, Certificate] = {}
            for cert in frontier.values():
                for p in cert.header.parents:
                    if p == target.digest:
                        return True
                    pc = self._by_digest.get(p)
                    if pc is not None and pc.round > target.round:
                        nxt[p] = pc
            if not nxt:
                return False
            frontier = nxt
        return False

    def collect(self, gc_round: int) -> list[Certificate]:
        """Drop every round ≤ ``gc_round``; returns what was dropped."""
        dropped: list[Certificate] = []
        if gc_round <= self.gc_round:
            return dropped
        for r in sorted(k for k in self._rounds if k <= gc_round):
            for cert in self._rounds.pop(r).values():
                del self._by_digest[cert.digest]
                dropped.append(cert)
        self.gc_round = gc_round
        return dropped
