"""Certificates waiting for missing parents or batches, and the requests that fetch them."""

from __future__ import annotations

from collections.abc import Callable

from consensus.step import Outbound, Step
from consensus.types import (
    BatchRequest,
    Certificate,
    CertificateRequest,
    Digest,
    ValidatorId,
)


class SyncState:
    """Suspended certificates (bounded), who waits for what, and outstanding requests."""

    def __init__(self, max_suspended: int) -> None:
        self.max_suspended = max_suspended
        self.suspended: dict[Digest, Certificate] = {}
        self.waiters: dict[Digest, set[Digest]] = {}
        self.missing_count: dict[Digest, int] = {}
        # digest -> (last request ms, is certificate, attempts)
        self.requested: dict[Digest, tuple[int, bool, int]] = {}

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
        self.requested.pop(dependency, None)
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

    def _want(
        self, digests: list[Digest], is_cert: bool, peer: ValidatorId, now: int
    ) -> list[Digest]:
        new = [d for d in digests if d not in self.requested]
        for d in new:
            self.requested[d] = (now, is_cert, 0)
        return new

    def want_certs(
        self, digests: list[Digest], peer: ValidatorId, now: int, step: Step, floor: int
    ) -> None:
        """Request certificates not already requested."""
        new = self._want(digests, True, peer, now)
        if new:
            step.messages.append(Outbound(peer, CertificateRequest(tuple(new), floor)))

    def want_batches(self, digests: list[Digest], peer: ValidatorId, now: int, step: Step) -> None:
        """Request batches not already requested."""
        new = self._want(digests, False, peer, now)
        if new:
            step.messages.append(Outbound(peer, BatchRequest(tuple(new))))

    def retry(
        self,
        now: int,
        retry_ms: int,
        peers: list[ValidatorId],
        step: Step,
        floor: int,
        still_missing: Callable[[Digest], bool],
    ) -> None:
        """Re-send overdue requests, each attempt to the next peer in a fixed rotation."""
        if not peers:
            return
        certs: dict[ValidatorId, list[Digest]] = {}
        batches: dict[ValidatorId, list[Digest]] = {}
        for d, (t, is_cert, attempts) in sorted(self.requested.items()):
            if not still_missing(d):
                del self.requested[d]
                continue
            if now - t < retry_ms:
                continue
            peer = peers[(attempts + d[0]) % len(peers)]
            self.requested[d] = (now, is_cert, attempts + 1)
            (certs if is_cert else batches).setdefault(peer, []).append(d)
        for peer, ds in sorted(certs.items()):
            step.messages.append(Outbound(peer, CertificateRequest(tuple(ds[:256]), floor)))
        for peer, ds in sorted(batches.items()):
            step.messages.append(Outbound(peer, BatchRequest(tuple(ds[:256]))))

    def collect(self, gc_round: int) -> list[Certificate]:
        """Drop state at or below ``gc_round``; returns suspended certificates whose parents
        are now below the GC round and that should be tried again."""
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
