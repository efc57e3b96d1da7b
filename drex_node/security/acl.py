"""The method -> roles table: which identities may call which gRPC method.

Deny by default: a method missing from :data:`METHOD_GRANTS` is refused for
everyone, even if a servicer implements it. The same table is documented in
``docs/operator/security.md``; a test keeps the two in step.

A grant is a :class:`Role` (any institution acting in that role) or
:data:`CENTRAL_BANK_OPERATOR` (an ``operator`` certificate whose institution is
the central bank's, which the node learns from genesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from drex_node.security.identity import NODE_ROLES, VOTING_ROLES, Identity, Role

CENTRAL_BANK_OPERATOR = "operator@central-bank"
Grant = Role | str

LEDGER = "/drex.ledger.v1.Ledger/"
CONSENSUS = "/drex.consensus.v1.Consensus/"
ADMIN = "/drex.admin.v1.Admin/"
AUDIT = "/drex.audit.v1.Audit/"
HEALTH = "/grpc.health.v1.Health/"
REFLECTION_V1 = "/grpc.reflection.v1.ServerReflection/"
REFLECTION_V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/"

ALL_ROLES: frozenset[Grant] = frozenset(Role)
_SUBMITTERS: frozenset[Grant] = frozenset(NODE_ROLES - {Role.AUDIT}) | {Role.OPERATOR, Role.CLIENT}
_READERS: frozenset[Grant] = _SUBMITTERS | {Role.AUDIT}
_VOTERS: frozenset[Grant] = frozenset(VOTING_ROLES)
_NODES: frozenset[Grant] = frozenset(NODE_ROLES)
_AUTHORITY: frozenset[Grant] = frozenset({Role.CENTRAL_BANK, CENTRAL_BANK_OPERATOR})
_SUPERVISORS: frozenset[Grant] = frozenset({Role.AUDIT, Role.CENTRAL_BANK})

_TABLE: dict[str, frozenset[Grant]] = {
    LEDGER + "SubmitTransaction": _SUBMITTERS,
    LEDGER + "SubmitBatch": _SUBMITTERS,
    LEDGER + "GetAccount": _READERS,
    LEDGER + "GetTransaction": _READERS,
    LEDGER + "WaitForCommit": _READERS,
    LEDGER + "StreamBlocks": _READERS,
    LEDGER + "GetStatus": _READERS,
    CONSENSUS + "Send": _VOTERS,
    CONSENSUS + "SendStream": _VOTERS,
    CONSENSUS + "FetchBatches": _VOTERS,
    CONSENSUS + "FetchCertificates": _VOTERS,
    CONSENSUS + "StreamCommitted": _NODES,
    ADMIN + "SubmitAuthorityTransaction": _AUTHORITY,
    ADMIN + "GetCommittee": _AUTHORITY,
    AUDIT + "StreamAuditBlocks": _SUPERVISORS,
    HEALTH + "Check": ALL_ROLES,
    HEALTH + "Watch": ALL_ROLES,
    REFLECTION_V1 + "ServerReflectionInfo": ALL_ROLES,
    REFLECTION_V1ALPHA + "ServerReflectionInfo": ALL_ROLES,
}
METHOD_GRANTS: Mapping[str, frozenset[Grant]] = MappingProxyType(_TABLE)


class DenyReason(StrEnum):
    """Machine-readable reasons for refusing a call at the authorization layer."""

    METHOD_NOT_ALLOWED = "method_not_allowed"
    ROLE_NOT_ALLOWED = "role_not_allowed"


@dataclass(frozen=True, slots=True)
class Denial:
    """Why ``identity`` may not call ``method``."""

    reason: DenyReason
    message: str


@dataclass(frozen=True, slots=True)
class Authorizer:
    """Evaluates :data:`METHOD_GRANTS` (or another table) for one network.

    ``central_bank_institution`` is the institution id of the authority; without
    it, :data:`CENTRAL_BANK_OPERATOR` grants match nobody.
    """

    central_bank_institution: str | None = None
    table: Mapping[str, frozenset[Grant]] = field(default_factory=lambda: METHOD_GRANTS)

    def _matches(self, grant: Grant, identity: Identity) -> bool:
        if grant == CENTRAL_BANK_OPERATOR:
            return (
                identity.role is Role.OPERATOR
                and self.central_bank_institution is not None
                and identity.institution == self.central_bank_institution
            )
        return grant == identity.role

    def check(self, method: str, identity: Identity) -> Denial | None:
        """None when allowed, otherwise the Denial to report."""
        grants = self.table.get(method)
        if grants is None:
            return Denial(DenyReason.METHOD_NOT_ALLOWED, f"{method} is not in the access table")
        if any(self._matches(grant, identity) for grant in grants):
            return None
        return Denial(DenyReason.ROLE_NOT_ALLOWED, f"{identity} may not call {method}")

    def allowed(self, method: str, identity: Identity) -> bool:
        """Convenience: whether ``identity`` may call ``method``."""
        return self.check(method, identity) is None
