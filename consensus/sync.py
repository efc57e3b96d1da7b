"""Certificates waiting for missing parents or batches, and the requests that fetch them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consensus.step import Outbound, Step
from consensus.types import (
    BatchRequest,
    Certificate,
    CertificateRequest,
    Digest,
    ValidatorId,
)


@dataclass(slots=True)
class Request:
    """One outstanding fetch: when it was last sent, what it is, how often it was re-sent,
    the peer that announced it, the round that needs it and its order of first request."""

    last_ms: int
    is_cert: bool
    attempts: int
    source: ValidatorId
    round: int
    seq: int


class SyncState:
    """Suspended certificates (bounded), who waits for what, and outstanding requests
    (bounded per announcing peer and in total; dropped below the GC round or after
    ``max_attempts`` re-sends)."""

    def __init__(
        self,
        max_suspended: int,
        max_requests_per_peer: int = 1024,
        max_requests: int = 8192,
        max_attempts: int = 20,
    ) -> None:
        self.max_suspended = max_suspended
        self.max_requests_per_peer = max_requests_per_peer
        self.max_requests = max_requests
        self.max_attempts = max_attempts
        self.suspended: dict[Digest, Certificate] = {}
        self.waiters: dict[Digest, set[Digest]] = {}
        self.missing_count: dict[Digest, int] = {}
        self.requested: dict[Digest, Request] = {}
        # announcing peer -> its requests, oldest first
        self.by_peer: dict[ValidatorId, dict[Digest, None]] = {}
        self._seq = 0

    def suspend(self, cert: Certificate, missing: list[Digest], missing_b: list[Digest]) -> bool:
        """Park ``cert`` until every dependency arrives; False when the buffer is full."""
        if cert.digest in self.suspended:
            return False
        if len(self.suspended) >= self.max_suspended:
            return False
        deps = set(missing) | set(missing_b)
        self.suspended[cert.digest] = cert
        self.missing_count[cert.digest] = len(deps)
        for d in deps:
            self.waiters.setdefault(d, set()).add(cert.digest)
        return True

    def resume(self, dependency: Digest) -> list[Certificate]:
        """A dependency arrived; returns the certificates it completes, sorted by round."""
        self.unrequest(dependency)
        done = []
        for child in self.waiters.pop(dependency, set()):
            left = self.missing_count.get(child)
            if left is None:
                continue
            if left <= 1:
                del self.missing_count[child]
                done.append(self.suspended.pop(child))
            else:
                self.missing_count[child] = left - 1
        done.sort(key=lambda c: (c.round, c.author), reverse=True)
        return done

    def wants_batch(self, digest: Digest) -> bool:
        """Whether ``digest`` is an outstanding batch request."""
        req = self.requested.get(digest)
        return req is not None and not req.is_cert

    def unrequest(self, digest: Digest) -> None:
        """Forget the request for ``digest`` (it arrived)."""
        req = self.requested.pop(digest, None)
        if req is None:
            return
        mine = self.by_peer.get(req.source)
        if mine is not None:
            mine.pop(digest, None)
            if not mine:
                del self.by_peer[req.source]

    def _give_up(self, digest: Digest) -> None:
        """Drop the request for ``digest`` and un-suspend the certificates waiting for it:
        they enter again, and request again, when a peer sends them again."""
        self.unrequest(digest)
        for child in sorted(self.waiters.pop(digest, set())):
            self._drop(child)

    def _make_room(self, peer: ValidatorId) -> None:
        mine = self.by_peer.get(peer)
        if mine is not None and len(mine) >= self.max_requests_per_peer:
            self._give_up(next(iter(mine)))  # the peer's oldest request
        if len(self.requested) >= self.max_requests:
            heaviest = max(self.by_peer.items(), key=lambda kv: (len(kv[1]), kv[0]))[1]
            self._give_up(next(iter(heaviest)))

    def _want(
        self, digests: list[Digest], is_cert: bool, peer: ValidatorId, now: int, round_: int
    ) -> list[Digest]:
        new = []
        for d in dict.fromkeys(digests):
            req = self.requested.get(d)
            if req is not None:
                req.round = max(req.round, round_)
                continue
            self._make_room(peer)
            self._seq += 1
            self.requested[d] = Request(now, is_cert, 0, peer, round_, self._seq)
            self.by_peer.setdefault(peer, {})[d] = None
            new.append(d)
        return new

    def want_certs(
        self,
        digests: list[Digest],
        peer: ValidatorId,
        now: int,
        step: Step,
        floor: int,
        round_: int,
    ) -> None:
        """Request certificates (of ``round_``) not already requested."""
        new = self._want(digests, True, peer, now, round_)
        if new:
            step.messages.append(Outbound(peer, CertificateRequest(tuple(new[:256]), floor)))

    def want_batches(
        self, digests: list[Digest], peer: ValidatorId, now: int, step: Step, round_: int
    ) -> None:
        """Request batches (listed by a header of ``round_``) not already requested."""
        new = self._want(digests, False, peer, now, round_)
        if new:
            step.messages.append(Outbound(peer, BatchRequest(tuple(new[:256]))))

    def retry(
        self,
        now: int,
        retry_ms: int,
        peers: list[ValidatorId],
        step: Step,
        floor: int,
        still_missing: Callable[[Digest], bool],
    ) -> None:
        """Re-send overdue requests to the peer first asked (who announced the digest, so
        it should hold it) and to the next peer in a fixed rotation: the longest-waiting
        first, at most 256 digests a message; what does not fit stays due (its state is
        untouched) and goes first next time. A request re-sent ``max_attempts`` times is
        given up."""
        if not peers:
            return
        members = set(peers)
        certs: dict[ValidatorId, list[Digest]] = {}
        batches: dict[ValidatorId, list[Digest]] = {}
        due = sorted(
            (req.last_ms, req.seq, d)
            for d, req in self.requested.items()
            if now - req.last_ms >= retry_ms
        )
        for _, _, d in due:
            req = self.requested.get(d)
            if req is None:
                continue  # given up above with a certificate that waited for it
            if not still_missing(d):
                self.unrequest(d)
                continue
            if req.attempts >= self.max_attempts:
                self._give_up(d)
                continue
            out = certs if req.is_cert else batches
            rotating = peers[(req.attempts + d[0]) % len(peers)]
            targets = sorted({req.source, rotating} & members) or [rotating]
            targets = [p for p in targets if len(out.get(p, ())) < 256]
            if not targets:
                continue
            req.last_ms = now
            req.attempts += 1
            for peer in targets:
                out.setdefault(peer, []).append(d)
        for peer, ds in sorted(certs.items()):
            step.messages.append(Outbound(peer, CertificateRequest(tuple(ds), floor)))
        for peer, ds in sorted(batches.items()):
            step.messages.append(Outbound(peer, BatchRequest(tuple(ds))))

    def collect(self, gc_round: int) -> list[Certificate]:
        """Drop state at or below ``gc_round``; returns suspended certificates whose parents
        are now below the GC round and that should be tried again."""
        for d in [d for d, req in self.requested.items() if req.round <= gc_round]:
            self.unrequest(d)
        retry: list[Certificate] = []
        for d, cert in list(self.suspended.items()):
            if cert.round <= gc_round:
                self._drop(d)
            elif cert.round - 1 <= gc_round:
                self._drop(d)
                retry.append(cert)
        return retry

    def _drop(self, digest: Digest) -> None:
        self.suspended.pop(digest, None)
        self.missing_count.pop(digest, None)
        for dep in [dep for dep, ws in self.waiters.items() if digest in ws]:
            self.waiters[dep].discard(digest)
            if not self.waiters[dep]:
                del self.waiters[dep]


def answer_request(
    lookup: Callable[[Digest], Certificate | None],
    digests: tuple[Digest, ...],
    floor_round: int,
    limit: int,
) -> list[Certificate]:
    """The requested certificates and their ancestors above ``floor_round``, ascending by
    (round, author), at most ``limit`` (the lowest rounds first, so they insert in order)."""
    found: dict[Digest, Certificate] = {}
    stack = list(digests[:64])
    while stack and len(found) < 4 * limit:
        d = stack.pop()
        if d in found:
            continue
        cert = lookup(d)
        if cert is None:
            continue
        found[d] = cert
        if cert.round - 1 > floor_round:
            stack.extend(p for p in cert.header.parents if p not in found)
    ordered = sorted(found.values(), key=lambda c: (c.round, c.author))
    return ordered[:limit]
