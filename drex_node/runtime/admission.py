"""Admission: the checks a transaction passes before it enters a lane (or is forwarded).

In order: strict decoding with size limits and the chain id, duplicates (pending or
committed), the sender's account (exists, not frozen), the nonce window against committed
state, expiry, the regulatory rules' admission checks, room in the pending table (else
RESOURCE_EXHAUSTED for the whole call: no unbounded queues) and, last because it is the
expensive one, the signatures (in the verification process pool).

The room and the hashes of what passed the synchronous checks are reserved before the
signatures are awaited, so that concurrent calls neither overfill the pending table nor
admit one transaction twice; the caller releases the reservation once the transaction is
in the pending table (or given up).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import grpc

from drex_node.api.backends import SubmitResult, SubmitStatus
from drex_node.api.errors import ApiError
from drex_node.config.model import AdmissionConfig
from drex_node.ledger.codes import TxType
from drex_node.ledger.commit import receipt
from drex_node.ledger.state import StateView
from drex_node.ledger.tx import Tx, TxDecodeError, decode
from drex_node.policy.host import ActivePolicies, active
from drex_node.runtime.ledger_core import LedgerCore

MEMPOOL_FULL = "mempool_full"
COMMITTEE_VIA_ADMIN = "committee_change_via_admin"


@dataclass(frozen=True, slots=True)
class Admitted:
    """A transaction that passed admission, with the lane (partition index) it goes to."""

    tx: Tx
    partition: int


def _rejected(tx_hash: bytes, reason: str, detail: str = "") -> SubmitResult:
    return SubmitResult(tx_hash, SubmitStatus.REJECTED, reason, detail)


class Admission:
    """Stateless checks against committed state plus the node's pending table."""

    def __init__(
        self, core: LedgerCore, config: AdmissionConfig, kept: Collection[str] | None = None
    ) -> None:
        self.core = core
        # A partition-scoped node (ADR 0077) has no accounts of other partitions: for
        # their senders it checks what it can (form, signature, expiry, duplicates) and
        # leaves state checks to the validators.
        self.kept = None if kept is None else frozenset(kept)
        self.config = config
        self.chain_id = core.genesis.chain_id
        self.partitions = {p: i for i, p in enumerate(core.genesis.partitions)}
        self._policies: tuple[int, ActivePolicies] | None = None
        # Hashes admitted by calls still verifying signatures or waiting for their turn:
        # they count as pending (room and duplicates) until the caller releases them.
        self._reserved: set[bytes] = set()

    def _active(self) -> ActivePolicies:
        h = self.core.height + 1
        if self._policies is None or self._policies[0] != h:
            self._policies = (h, active(self.core.state, self.core.registry, h))
        return self._policies[1]

    def _check_one(
        self, raw: bytes, view: StateView, seen: set[bytes], carried: Collection[bytes]
    ) -> SubmitResult | Admitted:
        try:
            tx = decode(raw, chain_id=self.chain_id)
        except TxDecodeError as exc:
            return _rejected(b"", exc.reason.name.lower(), exc.detail)
        if tx.type is TxType.COMMITTEE_CHANGE and tx.hash not in carried:
            return _rejected(tx.hash, COMMITTEE_VIA_ADMIN, "submit it through Admin (ADR 0065)")
        if tx.hash in seen or tx.hash in self.core.pending or tx.hash in self._reserved:
            return SubmitResult(tx.hash, SubmitStatus.DUPLICATE, "pending")
        if receipt(self.core.store, tx.hash) is not None:
            return SubmitResult(tx.hash, SubmitStatus.DUPLICATE, "committed")
        if self.kept is not None:
            part = view.partition_of(tx.sender)
            if part is None:
                return _rejected(tx.hash, "unknown_account", "sender has no account")
            if part not in self.kept:
                if tx.expiry <= self.core.height:
                    return _rejected(tx.hash, "expired", f"expiry {tx.expiry}")
                seen.add(tx.hash)
                return Admitted(tx, self.partitions.get(part, 0))
        acc = view.account(tx.sender)
        if acc is None:
            return _rejected(tx.hash, "unknown_account", "sender has no account")
        if acc.frozen:
            return _rejected(tx.hash, "account_frozen")
        if tx.nonce <= acc.nonce:
            return _rejected(tx.hash, "nonce_replay", f"next nonce is {acc.nonce + 1}")
        if tx.nonce > acc.nonce + self.config.nonce_window:
            return _rejected(tx.hash, "nonce_too_far", f"window is {self.config.nonce_window}")
        if tx.expiry <= self.core.height:
            return _rejected(tx.hash, "expired", f"expiry {tx.expiry}")
        for rule, params in self._active().rules:
            verdict = rule.admit(tx, self.core.state, params)
            if verdict.kind == "reject":
                return _rejected(tx.hash, "policy_rejected", verdict.message)
        seen.add(tx.hash)
        return Admitted(tx, self.partitions.get(acc.partition, 0))

    async def check(
        self, raws: Sequence[bytes], carried: Collection[bytes] = ()
    ) -> list[SubmitResult | Admitted]:
        """One outcome per input: a final result, or Admitted (signatures verified).
        Committee changes are admitted only when their hash is in ``carried`` (the Admin
        service wraps them with the committee signature).

        Admitted hashes stay reserved (counted as pending) until the caller passes them
        to ``release``, after adding them to the pending table or giving them up."""
        view = StateView(self.core.state)
        seen: set[bytes] = set()
        out = [self._check_one(raw, view, seen, carried) for raw in raws]
        fresh = [o for o in out if isinstance(o, Admitted)]
        if len(fresh) > self.core.pending.room() - len(self._reserved):
            raise ApiError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                MEMPOOL_FULL,
                f"{len(self.core.pending) + len(self._reserved)} transactions pending; retry later",
            )
        if not fresh:
            return out
        # Reserved before the await: a concurrent call sees these as pending.
        reserved = {a.tx.hash for a in fresh}
        self._reserved |= reserved
        kept: set[bytes] = set()
        try:
            verdicts = await self.core.verifier.verify([a.tx for a in fresh])
            bad = {a.tx.hash for a, ok in zip(fresh, verdicts, strict=True) if not ok}
            good = [a.tx for a in fresh if a.tx.hash not in bad]
            self.core.mark_verified([tx.hash for tx in good])
            self.core.remember_decoded(good)  # for the block that will carry them
            kept = reserved - bad
        finally:
            # Bad signatures, a cancelled call or an error: nothing of it stays held.
            self._reserved -= reserved - kept
        return [
            _rejected(o.tx.hash, "bad_signature")
            if isinstance(o, Admitted) and o.tx.hash not in kept
            else o
            for o in out
        ]

    def release(self, hashes: Iterable[bytes]) -> None:
        """Stop holding the reservation of admitted hashes (they are in the pending table
        now, or were given up)."""
        self._reserved.difference_update(hashes)
